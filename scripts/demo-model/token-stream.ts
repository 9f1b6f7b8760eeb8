/**
 * The pretraining data as token streams: every document is encoded with BOS (`<|endoftext|>`) in front, and the
 * documents are concatenated, so the model learns that the token starts a fresh text. Training samples random
 * windows of the train stream; evaluation walks fixed, non-overlapping windows of the held-out stream.
 */
import type { TokenizedExample } from '../../src/data/types';
import type { TextTokenizer } from '../../src/tokenizer/types';
import type { Rng } from '../../src/util/rng';

/** Encodes and concatenates `docs` (each with the tokenizer's BOS). */
export function encodeStream(tok: TextTokenizer, docs: readonly string[]): Int32Array {
  const parts = docs.map((d) => tok.encode(d));
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A window of `len` tokens as a training example whose every token after the first is a label. */
export function windowExample(stream: Int32Array, start: number, len: number): TokenizedExample {
  const ids = stream.slice(start, start + len);
  const lossMask = new Uint8Array(ids.length).fill(1);
  lossMask[0] = 0; // nothing predicts the first token of a window
  return { ids, lossMask };
}

/** `count` windows at uniformly random offsets. */
export function randomWindows(stream: Int32Array, len: number, count: number, rng: Rng): TokenizedExample[] {
  return Array.from({ length: count }, () => windowExample(stream, rng.nextInt(stream.length - len), len));
}

/** Consecutive non-overlapping windows covering the first `maxTokens` of `stream` (all of it by default). */
export function evalWindows(stream: Int32Array, len: number, maxTokens = stream.length): TokenizedExample[] {
  const out: TokenizedExample[] = [];
  const end = Math.min(stream.length, maxTokens);
  for (let s = 0; s + 2 <= end; s += len) out.push(windowExample(stream, s, Math.min(len, end - s)));
  return out;
}
