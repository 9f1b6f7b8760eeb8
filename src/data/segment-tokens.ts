/**
 * Tokenizing a text made of segments (prompt, completion, prompt, …) so that token boundaries match the segment
 * boundaries, which is what the loss mask needs.
 *
 * Byte-level BPE tokenizers (Llama 3, Qwen, SmolLM) pre-tokenize at spaces and newlines, so encoding each segment
 * alone gives the same tokens as encoding the whole; that is also how the studio tokenizes a prompt before the
 * model generates. SentencePiece-style tokenizers (Llama 2, Mistral, TinyLlama) prepend a "▁" to every encode
 * call, so segments encoded alone would gain spaces the model never sees at inference. For those, the whole text
 * is encoded once and each boundary found by encoding the prefix up to it, as TRL does; a boundary that falls
 * inside a merged token is moved before that token.
 */
import type { TextTokenizer } from '../tokenizer/types';

/** A piece of the rendered text; `loss` marks what the model learns to produce. */
export interface TextSegment {
  text: string;
  loss: boolean;
  /** Index of the assistant message an assistant segment renders. */
  turn?: number;
}

/** A segment's tokens. */
export interface TokenSegment {
  ids: number[];
  loss: boolean;
  turn?: number;
}

/**
 * Boundaries like those templates produce: before a space-led word, after a newline. (Byte-level BPE can still
 * merge across other boundaries, e.g. ".\n\n" is one Qwen token; there segment-wise tokens are still exactly
 * what the model sees at inference, where the prompt is encoded alone and the answer generated after it.)
 */
const PROBES: [string, string][] = [
  ['Hello', ' world'],
  ['Hello:\n', 'world'],
];

const safeCache = new WeakMap<TextTokenizer, boolean>();

function sameIds(a: readonly number[], b: readonly number[], n = b.length): boolean {
  if (a.length < n || b.length < n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when encoding segments one by one gives the tokens of the joined text (probed once per tokenizer). */
export function segmentwiseSafe(tok: TextTokenizer): boolean {
  let safe = safeCache.get(tok);
  if (safe === undefined) {
    const enc = (t: string) => tok.encode(t, { addSpecialTokens: false });
    safe = PROBES.every(([a, b]) => {
      const joint = enc(a + b);
      const split = [...enc(a), ...enc(b)];
      return joint.length === split.length && sameIds(joint, split);
    });
    safeCache.set(tok, safe);
  }
  return safe;
}

function segmentwise(tok: TextTokenizer, segments: readonly TextSegment[], addSpecialTokens: boolean): TokenSegment[] {
  return segments.map((s, k) => ({
    ids: tok.encode(s.text, { addSpecialTokens: addSpecialTokens && k === 0 }),
    loss: s.loss,
    turn: s.turn,
  }));
}

/** Joint encoding cut at prefix-encoding boundaries; null when a prefix does not line up with the whole. */
function joint(tok: TextTokenizer, segments: readonly TextSegment[], addSpecialTokens: boolean): TokenSegment[] | null {
  const full = segments.map((s) => s.text).join('');
  const ids = tok.encode(full, { addSpecialTokens });
  const cuts = [0];
  let chars = 0;
  for (let k = 0; k < segments.length - 1; k++) {
    chars += segments[k].text.length;
    const prefix = tok.encode(full.slice(0, chars), { addSpecialTokens });
    // Post-processors that append EOS would end the prefix with a token the whole does not have there.
    while (prefix.length && !sameIds(ids, prefix) && tok.eosTokenIds.includes(prefix[prefix.length - 1])) prefix.pop();
    let cut = prefix.length;
    if (!sameIds(ids, prefix)) {
      if (!sameIds(ids, prefix, prefix.length - 1)) return null;
      cut = prefix.length - 1; // the last prefix token merges across the boundary: it belongs to the next segment
    }
    cuts.push(Math.max(cut, cuts[cuts.length - 1]));
  }
  cuts.push(ids.length);
  return segments.map((s, k) => ({ ids: ids.slice(cuts[k], cuts[k + 1]), loss: s.loss, turn: s.turn }));
}

/**
 * Tokens of each segment; their concatenation is the tokenization of the whole text (`addSpecialTokens` applies
 * to the whole, i.e. to the first segment).
 */
export function tokenizeSegments(
  tok: TextTokenizer,
  segments: readonly TextSegment[],
  addSpecialTokens: boolean,
): TokenSegment[] {
  if (segmentwiseSafe(tok)) return segmentwise(tok, segments, addSpecialTokens);
  return joint(tok, segments, addSpecialTokens) ?? segmentwise(tok, segments, addSpecialTokens);
}
