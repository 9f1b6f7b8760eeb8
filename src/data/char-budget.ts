/**
 * A character budget applied to every text field before it is tokenized (#13). Truncation to `maxSeqLen` happens
 * after tokenizing, so a 10 MB field used to cost ~2.5 GB and 15 s to produce 512 tokens. No token of a real
 * vocabulary spans more than {@link MAX_CHARS_PER_TOKEN} characters, so `maxSeqLen` tokens never reach past
 * `(maxSeqLen + margin) × MAX_CHARS_PER_TOKEN` characters of one field: cutting there leaves the kept tokens (and the
 * fact that the example is over length) unchanged.
 */
import type { AnswerExample, NormalizedExample } from './types';

/** Longest token text in any vocabulary we load (byte-level BPE runs of spaces/dashes stay well under this). */
export const MAX_CHARS_PER_TOKEN = 256;

/** Characters of one field that can still matter for `maxSeqLen` tokens (a few tokens' margin for the cut). */
export function charBudget(maxSeqLen: number): number {
  return (maxSeqLen + 16) * MAX_CHARS_PER_TOKEN;
}

function cut(text: string, budget: number): string {
  if (text.length <= budget) return text;
  // Never split a surrogate pair: a lone high surrogate would encode as U+FFFD.
  const end = /[\uD800-\uDBFF]/.test(text[budget - 1]) ? budget - 1 : budget;
  return text.slice(0, end);
}

/** `ex` with every text field cut to the budget of `maxSeqLen` tokens (the same object when nothing is cut). */
export function boundExample(ex: NormalizedExample, maxSeqLen: number): NormalizedExample {
  const b = charBudget(maxSeqLen);
  switch (ex.kind) {
    case 'text':
      return ex.text.length <= b ? ex : { ...ex, text: cut(ex.text, b) };
    case 'prompt':
      return {
        ...ex,
        prompt: cut(ex.prompt, b),
        completion: cut(ex.completion, b),
        input: ex.input && cut(ex.input, b),
        system: ex.system && cut(ex.system, b),
      };
    case 'chat':
      return {
        ...ex,
        messages: ex.messages.map((m) => (m.content.length <= b ? m : { ...m, content: cut(m.content, b) })),
      };
    case 'preference':
      return {
        ...ex,
        chosen: boundExample(ex.chosen, maxSeqLen) as AnswerExample,
        rejected: boundExample(ex.rejected, maxSeqLen) as AnswerExample,
      };
  }
}
