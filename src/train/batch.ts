/**
 * Turns tokenized examples into one right-padded micro-batch. Rows are cut to `maxSeqLen` (counted as truncated),
 * padded to the smallest multiple of `bucket` that fits the longest row (fewer distinct shapes → fewer kernel
 * compilations on WebGPU), and the label positions are listed explicitly: the loss gathers only the hidden rows
 * that predict a label instead of scoring every position against the whole vocabulary.
 */
import type { TokenizedExample } from '../data/types';

export interface LmBatch {
  batch: number;
  seq: number;
  /** Token ids [batch, seq] row-major; padding is id 0. */
  ids: Int32Array;
  /** Per row: 1 = real token, 0 = padding (the model's `attentionMask`). */
  attention: Uint8Array[];
  /** Flat index `b·seq + t − 1` of each hidden state that predicts a label `ids[b, t]`. */
  predictRows: Int32Array;
  /** The label token for each entry of `predictRows`. */
  labels: Int32Array;
  /** Optional weight of each label's NLL (preference tuning's per-sequence loss gradients); absent = 1. */
  labelWeights?: Float32Array;
  /** Real (unpadded) tokens in the batch. */
  tokens: number;
  /** Rows that were longer than `maxSeqLen` and got cut. */
  truncated: number;
}

export interface BatchOptions {
  maxSeqLen: number;
  /** Pad lengths up to a multiple of this (1 = exact longest row). */
  bucket: number;
}

/**
 * Splits a packed row (`segmentIds` 1, 1, 2, 2, 2, …) back into its examples. The decoder's attention mask is
 * causal + padding only, so a packed row would let one example attend to the previous one and continue its
 * positions; one row per segment keeps the loss exactly that of the examples alone.
 */
export function unpack(example: TokenizedExample): TokenizedExample[] {
  const seg = example.segmentIds;
  if (!seg || seg.length === 0) return [example];
  const out: TokenizedExample[] = [];
  let start = 0;
  for (let t = 1; t <= seg.length; t++) {
    if (t === seg.length || seg[t] !== seg[start]) {
      if (seg[start] > 0) {
        const lossMask = example.lossMask.slice(start, t);
        lossMask[0] = 0; // nothing precedes a segment's first token
        out.push({ ids: example.ids.slice(start, t), lossMask });
      }
      start = t;
    }
  }
  return out.length ? out : [example];
}

/** Builds a padded micro-batch from `examples` (at least one; packed rows are split into their examples). */
export function makeBatch(input: readonly TokenizedExample[], opts: BatchOptions): LmBatch {
  if (input.length === 0) throw new Error('makeBatch: no examples');
  const examples = input.flatMap(unpack);
  const lens = examples.map((e) => Math.min(e.ids.length, opts.maxSeqLen));
  const longest = Math.max(1, ...lens);
  const seq = Math.min(
    Math.max(opts.maxSeqLen, 1),
    Math.ceil(longest / Math.max(1, opts.bucket)) * Math.max(1, opts.bucket),
  );
  const batch = examples.length;
  const ids = new Int32Array(batch * seq);
  const attention: Uint8Array[] = [];
  const rows: number[] = [];
  const labels: number[] = [];
  let tokens = 0;
  let truncated = 0;
  examples.forEach((ex, b) => {
    const len = lens[b];
    if (ex.ids.length > len) truncated++;
    ids.set(ex.ids.subarray(0, len), b * seq);
    const mask = new Uint8Array(seq);
    mask.fill(1, 0, len);
    attention.push(mask);
    tokens += len;
    for (let t = 1; t < len; t++) {
      if (ex.lossMask[t]) {
        rows.push(b * seq + t - 1);
        labels.push(ex.ids[t]);
      }
    }
  });
  return {
    batch,
    seq,
    ids,
    attention,
    predictRows: Int32Array.from(rows),
    labels: Int32Array.from(labels),
    tokens,
    truncated,
  };
}
