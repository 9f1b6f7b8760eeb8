/**
 * The compact, serializable form of a list of examples: all tokens in one `Int32Array`, all loss flags in one
 * `Uint8Array`, and `offsets` (n + 1 entries) marking where each example starts. This is what crosses the worker
 * boundary (its buffers are transferred, not copied) and what IndexedDB stores, in chunks of bounded size.
 */
import type { PreparedDataset, TokenizedExample } from './types';

/** Examples flattened into typed arrays. Example i is `ids.subarray(offsets[i], offsets[i + 1])`. */
export interface CompactExamples {
  ids: Int32Array;
  lossMask: Uint8Array;
  offsets: Uint32Array;
  /** Present when the examples are packed rows. */
  segmentIds?: Int32Array;
  positionIds?: Int32Array;
}

/** Flattens examples. */
export function toCompact(examples: readonly TokenizedExample[]): CompactExamples {
  const offsets = new Uint32Array(examples.length + 1);
  for (let i = 0; i < examples.length; i++) offsets[i + 1] = offsets[i] + examples[i].ids.length;
  const total = offsets[examples.length];
  const packed = examples.length > 0 && examples.every((e) => e.segmentIds && e.positionIds);
  const out: CompactExamples = { ids: new Int32Array(total), lossMask: new Uint8Array(total), offsets };
  if (packed) {
    out.segmentIds = new Int32Array(total);
    out.positionIds = new Int32Array(total);
  }
  examples.forEach((e, i) => {
    out.ids.set(e.ids, offsets[i]);
    out.lossMask.set(e.lossMask, offsets[i]);
    if (packed) {
      out.segmentIds!.set(e.segmentIds!, offsets[i]);
      out.positionIds!.set(e.positionIds!, offsets[i]);
    }
  });
  return out;
}

/** Number of examples in a compact block. */
export function compactLength(c: CompactExamples): number {
  return c.offsets.length - 1;
}

/** Example `i` of a compact block, as views (no copy) into its arrays. */
export function compactExample(c: CompactExamples, i: number): TokenizedExample {
  const a = c.offsets[i];
  const b = c.offsets[i + 1];
  const ex: TokenizedExample = { ids: c.ids.subarray(a, b), lossMask: c.lossMask.subarray(a, b) };
  if (c.segmentIds && c.positionIds) {
    ex.segmentIds = c.segmentIds.subarray(a, b);
    ex.positionIds = c.positionIds.subarray(a, b);
  }
  return ex;
}

/** All examples of a compact block, as views. */
export function fromCompact(c: CompactExamples): TokenizedExample[] {
  return Array.from({ length: compactLength(c) }, (_, i) => compactExample(c, i));
}

/**
 * Splits examples into compact chunks of at most `maxTokens` tokens each (an example longer than that gets a
 * chunk of its own), for IndexedDB records of bounded size.
 */
export function chunkCompact(examples: readonly TokenizedExample[], maxTokens = 1 << 20): CompactExamples[] {
  const chunks: CompactExamples[] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < examples.length; i++) {
    const len = examples[i].ids.length;
    if (i > start && tokens + len > maxTokens) {
      chunks.push(toCompact(examples.slice(start, i)));
      start = i;
      tokens = 0;
    }
    tokens += len;
  }
  if (start < examples.length) chunks.push(toCompact(examples.slice(start)));
  return chunks;
}

/** The buffers to list in `postMessage(…, transfer)`. */
export function compactTransferables(c: CompactExamples): ArrayBuffer[] {
  const arrays = [c.ids, c.lossMask, c.offsets, c.segmentIds, c.positionIds].filter((a) => a !== undefined);
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/** A `PreparedDataset` with its examples flattened: what the dataset worker posts back. */
export type CompactPrepared = Omit<PreparedDataset, 'train' | 'eval'> & {
  train: CompactExamples;
  eval: CompactExamples;
};

/** Flattens a prepared dataset's splits; pass `compactPreparedTransferables` as the transfer list. */
export function compactPrepared(result: PreparedDataset): CompactPrepared {
  return { ...result, train: toCompact(result.train), eval: toCompact(result.eval) };
}

/** Buffers of both splits, to transfer instead of copy. */
export function compactPreparedTransferables(c: CompactPrepared): ArrayBuffer[] {
  return [...compactTransferables(c.train), ...compactTransferables(c.eval)];
}
