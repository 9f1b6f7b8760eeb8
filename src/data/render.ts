/**
 * Rendering validated records into token ids and a per-token loss mask.
 *
 * Chat: the conversation is rendered once with the model's chat template; each assistant turn is located the way
 * TRL does it, by rendering the conversation cut just before the turn (with the generation prompt) and just after
 * it, and checking those renderings are prefixes of the whole; each span ends at the turn's end-of-turn token.
 * The text is tokenized so token boundaries fall on those text boundaries (`segment-tokens.ts`), and each
 * assistant span is verified to decode back to the message's content.
 */
import type { ChatMessage, TextTokenizer } from '../tokenizer/types';
import { pairExample } from './pair';
import { tokenizeSegments, type TextSegment } from './segment-tokens';
import { CHAT_TEMPLATE, renderPromptTemplate } from './template';
import type { NormalizedExample, TokenizedExample } from './types';

/** How examples are rendered. */
export interface RenderOptions {
  /** A prompt template, or `'chat'` for the model's chat template. */
  template: string;
  /** Loss on completions / assistant turns only (default) or on every token. */
  completionOnly: boolean;
}

/** A record that cannot be rendered (the chat template rejected it, the spans do not line up, …). */
export class RenderError extends Error {
  override name = 'RenderError';
}

/**
 * The tokenizer with extra chat-template inputs applied to every render (e.g. Qwen3's `enable_thinking: false`,
 * which moves the empty think block into the prompt so only the answer is a target).
 */
export function withTemplateVariables(tok: TextTokenizer, variables?: Record<string, unknown>): TextTokenizer {
  if (!variables || Object.keys(variables).length === 0) return tok;
  return {
    vocabSize: tok.vocabSize,
    bosTokenId: tok.bosTokenId,
    eosTokenIds: tok.eosTokenIds,
    padTokenId: tok.padTokenId,
    hasChatTemplate: tok.hasChatTemplate,
    encode: (text, opts) => tok.encode(text, opts),
    decode: (ids, opts) => tok.decode(ids, opts),
    applyChatTemplate: (messages, opts) =>
      tok.applyChatTemplate(messages, { ...opts, templateVariables: { ...variables, ...opts?.templateVariables } }),
  };
}

function build(parts: { ids: number[]; loss: boolean }[], completionOnly: boolean): TokenizedExample {
  const n = parts.reduce((s, p) => s + p.ids.length, 0);
  const ids = new Int32Array(n);
  const lossMask = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    ids.set(p.ids, at);
    if (p.loss || !completionOnly) lossMask.fill(1, at, at + p.ids.length);
    at += p.ids.length;
  }
  if (n > 0) lossMask[0] = 0; // nothing precedes the first token: it is never a target
  return { ids, lossMask };
}

function withEos(tok: TextTokenizer, ids: number[]): number[] {
  const eos = tok.eosTokenIds[0];
  if (eos === undefined || ids[ids.length - 1] === eos) return ids;
  return [...ids, eos];
}

function render(
  tok: TextTokenizer,
  messages: readonly ChatMessage[],
  addGenerationPrompt: boolean,
  turn: number,
): string {
  try {
    return tok.applyChatTemplate(messages, { addGenerationPrompt });
  } catch (e) {
    throw new RenderError(
      `the chat template rejected the conversation (up to message ${turn}): ${(e as Error).message}`,
    );
  }
}

/** End of the assistant turn that starts at `start` in `full`. */
function turnEnd(tok: TextTokenizer, messages: readonly ChatMessage[], i: number, full: string, start: number): number {
  // The last turn ends the conversation: its rendering is the full text (saves one template render per example).
  const upTo = i === messages.length - 1 ? full : render(tok, messages.slice(0, i + 1), false, i);
  if (full.startsWith(upTo) && upTo.length > start) return upTo.length;
  // Templates such as Qwen3's render the last assistant turn differently from earlier ones (an empty think block);
  // then find the content in the full text and extend over the end-of-turn text the template puts after it.
  const content = messages[i].content.trim();
  const at = full.indexOf(content, start);
  if (at < 0) throw new RenderError(`assistant message ${i} is not found in the rendered conversation`);
  const contentEnd = at + content.length;
  const tail = upTo.slice(upTo.lastIndexOf(content) + content.length);
  let k = 0;
  while (k < tail.length && full[contentEnd + k] === tail[k]) k++;
  return contentEnd + k;
}

/**
 * Start of an assistant turn in `full`, given the conversation rendered up to it with the generation prompt.
 * Normally that rendering is a prefix of the whole. Some templates render earlier turns differently from the
 * generation prompt (Qwen3 with `enable_thinking: false` adds an empty think block to the prompt only); then the
 * turn starts where the two renderings part, provided the message's content follows right there.
 */
function turnStart(before: string, full: string, pos: number, content: string, i: number): number {
  if (full.startsWith(before) && before.length >= pos) return before.length;
  let lcp = 0;
  while (lcp < before.length && before.charCodeAt(lcp) === full.charCodeAt(lcp)) lcp++;
  if (lcp >= pos && full.slice(lcp).trimStart().startsWith(content.trim())) return lcp;
  throw new RenderError(
    `the chat template renders the conversation differently when cut before message ${i}; cannot locate the assistant turn`,
  );
}

const endMarkerCache = new WeakMap<TextTokenizer, string[]>();

/** Texts of the tokenizer's EOS tokens (`<|im_end|>`, `<|eot_id|>`, …): where a generated turn stops. */
function endMarkers(tok: TextTokenizer): string[] {
  let m = endMarkerCache.get(tok);
  if (!m) {
    m = tok.eosTokenIds.map((id) => tok.decode([id])).filter((t) => t.length > 0);
    endMarkerCache.set(tok, m);
  }
  return m;
}

/**
 * Ends an assistant span at the first end-of-turn token after its content: what the model generates before
 * the runtime stops it. Whatever the template adds after it (a newline, or the next header in templates that
 * always append one) is prompt, not a target.
 */
function clipAtEndOfTurn(tok: TextTokenizer, full: string, start: number, end: number, content: string): number {
  const c = content.trim();
  const at = c ? full.indexOf(c, start) : -1;
  const from = at >= 0 && at + c.length <= end ? at + c.length : start;
  let best = end;
  for (const marker of endMarkers(tok)) {
    const k = full.indexOf(marker, from);
    if (k >= 0 && k + marker.length <= best) best = k + marker.length;
  }
  return best;
}

/** The conversation cut into prompt and assistant segments. */
export function chatSegments(tok: TextTokenizer, messages: readonly ChatMessage[]): TextSegment[] {
  const full = render(tok, messages, false, messages.length - 1);
  const segments: TextSegment[] = [];
  let pos = 0;
  messages.forEach((m, i) => {
    // An assistant message that opens the conversation has no prompt to answer: it stays context.
    if (m.role !== 'assistant' || i === 0) return;
    const start = turnStart(render(tok, messages.slice(0, i), true, i), full, pos, m.content, i);
    const end = clipAtEndOfTurn(tok, full, start, turnEnd(tok, messages, i, full, start), m.content);
    segments.push({ text: full.slice(pos, start), loss: false }, { text: full.slice(start, end), loss: true, turn: i });
    pos = end;
  });
  segments.push({ text: full.slice(pos), loss: false });
  return segments.filter((s) => s.text.length > 0);
}

function renderChat(
  tok: TextTokenizer,
  messages: readonly ChatMessage[],
  completionOnly: boolean,
  untrained: readonly number[] = [],
): TokenizedExample {
  // Templates write BOS themselves (`{{ bos_token }}`): special tokens are not added again, as in transformers.
  const parts = tokenizeSegments(tok, chatSegments(tok, messages), false).map((p) => {
    if (
      p.turn !== undefined &&
      !tok.decode(p.ids, { skipSpecialTokens: true }).includes(messages[p.turn].content.trim())
    ) {
      throw new RenderError(
        `assistant message ${p.turn} does not decode back to its content (the chat template or tokenizer changes it)`,
      );
    }
    return { ids: p.ids, loss: p.loss && !untrained.includes(p.turn ?? -1) };
  });
  if (!parts.some((p) => p.loss))
    throw new RenderError(
      'no assistant message to train on (an assistant message opening the conversation is context only)',
    );
  return build(parts, completionOnly);
}

/** A prompt/completion pair as the conversation the chat template renders: system → user (prompt + input) → assistant. */
export function promptMessages(ex: Extract<NormalizedExample, { kind: 'prompt' }>): ChatMessage[] {
  const user = ex.input ? `${ex.prompt}\n\n${ex.input}` : ex.prompt;
  const msgs: ChatMessage[] = ex.system ? [{ role: 'system', content: ex.system }] : [];
  msgs.push({ role: 'user', content: user }, { role: 'assistant', content: ex.completion });
  return msgs;
}

/** Tokenizes one validated example; throws `RenderError` with a user-facing message when it cannot. */
export function renderExample(ex: NormalizedExample, tok: TextTokenizer, opts: RenderOptions): TokenizedExample {
  switch (ex.kind) {
    case 'preference':
      // Loss marks only the answers (completion-only), whatever `completionOnly` says: they are what is scored.
      return pairExample(
        renderExample(ex.chosen, tok, { ...opts, completionOnly: true }),
        renderExample(ex.rejected, tok, { ...opts, completionOnly: true }),
      );
    case 'text':
      return build([{ ids: withEos(tok, tok.encode(ex.text, { addSpecialTokens: true })), loss: true }], false);
    case 'chat':
      return renderChat(tok, ex.messages, opts.completionOnly, ex.untrained);
    case 'prompt': {
      if (opts.template === CHAT_TEMPLATE) return renderChat(tok, promptMessages(ex), opts.completionOnly);
      const segments = [
        { text: renderPromptTemplate(opts.template, ex), loss: false },
        { text: ex.completion, loss: true },
      ];
      const [prompt, completion] = tokenizeSegments(tok, segments, true);
      // Post-processors that append EOS (rare for decoders) would end the prompt early.
      if (prompt.ids.length && tok.eosTokenIds.includes(prompt.ids[prompt.ids.length - 1])) prompt.ids.pop();
      return build([prompt, { ids: withEos(tok, completion.ids), loss: true }], opts.completionOnly);
    }
  }
}
