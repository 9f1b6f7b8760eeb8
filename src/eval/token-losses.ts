/**
 * Per-token losses of tokenized examples, counted exactly as training counts them: the trainer's own batching
 * (`makeBatch`: right padding, attention mask, the label rows `lossMask[t] = 1` predicts from positions < t) and
 * the same cross-entropy, −log softmax(logits)[label] = logSumExp(logits) − logits[label], only without a tape.
 * Several variants run in one forward pass: batch items carry their own adapter hook (see MultiplexHook).
 */
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import type { TokenizedExample } from '../data/types';
import type { AdapterHook } from '../model/linear';
import { makeBatch } from '../train/batch';
import type { CausalLm } from '../train/loss';
import { MultiplexHook } from './multiplex-hook';

/** One example to score and the adapter to score it with (null = the base). */
export interface ScoreItem {
  example: TokenizedExample;
  hook: AdapterHook | null;
}

export interface TokenLossOptions {
  /** Items per forward pass (rows of one batch). Default 8. */
  batchRows?: number;
  /** Called after each forward pass with items done so far (progress, liveness, cancellation by throwing). */
  onBatch?: (done: number, total: number) => void | Promise<void>;
}

/** Label rows per LM-head block: one [rows, vocab] logits block is alive at a time. */
const HEAD_ROWS = 128;

/**
 * −ln p(label) of every loss-carrying token of each item, in position order ([labels] per item). Items that share a
 * hook should be adjacent so each batch groups them into one slice. Examples must be unpacked (no `segmentIds`).
 */
export async function tokenLosses(
  model: CausalLm,
  items: readonly ScoreItem[],
  opts: TokenLossOptions = {},
): Promise<Float32Array[]> {
  const rowsPerBatch = Math.max(1, opts.batchRows ?? 8);
  const out: Float32Array[] = [];
  for (let start = 0; start < items.length; start += rowsPerBatch) {
    const chunk = items.slice(start, start + rowsPerBatch);
    out.push(...(await batchLosses(model, chunk)));
    await opts.onBatch?.(Math.min(items.length, start + rowsPerBatch), items.length);
  }
  return out;
}

async function batchLosses(model: CausalLm, items: readonly ScoreItem[]): Promise<Float32Array[]> {
  const longest = Math.max(...items.map((it) => it.example.ids.length));
  const batch = makeBatch(
    items.map((it) => it.example),
    { maxSeqLen: longest, bucket: 1 },
  );
  const n = batch.labels.length;
  const counts = items.map((it) => labelsOf(it.example));
  if (n === 0) return counts.map(() => new Float32Array(0));
  const hooks = items.map((it) => it.hook);
  const hook = hooks.every((h) => h === hooks[0]) ? hooks[0] : new MultiplexHook(hooks);
  let nll: tf.Tensor1D;
  try {
    nll = tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seq], 'int32'); // [batch, seq]
      const attentionMask = batch.attention.some((row) => row.includes(0)) ? batch.attention : null;
      const h = model.hiddenStates(ids, { hook, attentionMask }); // [batch, seq, hidden]
      const hidden = h.shape[2];
      const picked = tf.gather(
        h.reshape([batch.batch * batch.seq, hidden]),
        tf.tensor1d(batch.predictRows, 'int32'),
      ) as Tensor2D; // [n, hidden]
      const parts: tf.Tensor1D[] = [];
      for (let s = 0; s < n; s += HEAD_ROWS) {
        const rows = Math.min(HEAD_ROWS, n - s);
        const chunk = picked.slice([s, 0], [rows, hidden]).reshape([1, rows, hidden]) as Tensor3D;
        const logits = model.logits(chunk).reshape([rows, -1]) as Tensor2D; // [rows, vocab]
        const target = logits
          .mul(tf.oneHot(tf.tensor1d(batch.labels.subarray(s, s + rows), 'int32'), logits.shape[1]))
          .sum(1); // [rows]
        parts.push(tf.logSumExp(logits, 1).sub(target) as tf.Tensor1D); // [rows]
      }
      return parts.length === 1 ? parts[0] : (tf.concat(parts) as tf.Tensor1D); // [n]
    });
  } finally {
    if (hook instanceof MultiplexHook) hook.dispose();
  }
  const values = (await nll.data()) as Float32Array;
  nll.dispose();
  // makeBatch lists labels item by item, positions ascending.
  const result: Float32Array[] = [];
  let at = 0;
  for (const c of counts) {
    result.push(values.slice(at, at + c));
    at += c;
  }
  return result;
}

/** Loss-carrying positions of an example (t ≥ 1 with lossMask[t] = 1). */
export function labelsOf(example: TokenizedExample): number {
  let n = 0;
  for (let t = 1; t < example.ids.length; t++) n += example.lossMask[t] ? 1 : 0;
  return n;
}
