/**
 * Sums of completion-token log-probabilities per sequence, as TRL's DPO/ORPO score a completion: the label tokens of
 * each row of an `LmBatch` (the completion, since the prompt carries no loss) summed. A preference pair travels as
 * one two-segment example (segment 1 = chosen, 2 = rejected; `src/data`'s preference rendering), which `makeBatch`
 * splits into two consecutive rows: row 2p is pair p's chosen answer, row 2p + 1 its rejected one.
 */
import { tf, type Tensor1D, type Tensor2D, type Tensor3D } from '../../backend/tf';
import type { TokenizedExample } from '../../data/types';
import type { AdapterHook } from '../../model/linear';
import type { LmBatch } from '../batch';
import { selectRows, type CausalLm } from '../loss';

/** Label rows per LM-head block. */
const CHUNK_ROWS = 128;

/** True when `ex` is a preference pair: exactly the segments 1 (chosen) and 2 (rejected). */
export function isPreferencePair(ex: TokenizedExample): boolean {
  const seg = ex.segmentIds;
  if (!seg || seg.length === 0 || seg[0] !== 1 || seg[seg.length - 1] !== 2) return false;
  for (let t = 1; t < seg.length; t++) if (seg[t] < seg[t - 1] || seg[t] > 2) return false;
  return true;
}

/** Row (sequence) of each label of `batch`. */
export function labelRows(batch: LmBatch): Int32Array {
  return batch.predictRows.map((r) => Math.floor(r / batch.seq));
}

/** Label tokens per row: the completion lengths TRL divides by for IPO and ORPO. */
export function rowLabelCounts(batch: LmBatch): Float32Array {
  const counts = new Float32Array(batch.batch);
  for (const r of labelRows(batch)) counts[r] += 1;
  return counts;
}

/**
 * Σ log p(label) per row, [batch.batch], differentiable through `hook`'s variables (none with `hook` null: the
 * reference). Caller owns the result.
 */
export function rowLogProbSums(model: CausalLm, batch: LmBatch, hook: AdapterHook | null): Tensor1D {
  return tf.tidy(() => {
    const n = batch.labels.length;
    if (n === 0) return tf.zeros([batch.batch]) as Tensor1D;
    const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seq], 'int32');
    const attentionMask = batch.attention.some((row) => row.includes(0)) ? batch.attention : null;
    const h = model.hiddenStates(ids, { hook, attentionMask }); // [batch, seq, hidden]
    const hidden = h.shape[2];
    const picked = selectRows(h.reshape([batch.batch * batch.seq, hidden]) as Tensor2D, batch.predictRows); // [n, hidden]
    const parts: Tensor1D[] = [];
    for (let start = 0; start < n; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, n - start);
      const chunk = picked.slice([start, 0], [rows, hidden]).reshape([1, rows, hidden]) as Tensor3D;
      const logp = tf.logSoftmax(model.logits(chunk).reshape([rows, -1]) as Tensor2D, -1); // [rows, vocab]
      const labels = tf.oneHot(tf.tensor1d(batch.labels.subarray(start, start + rows), 'int32'), logp.shape[1]);
      parts.push(logp.mul(labels).sum(1) as Tensor1D); // [rows]
    }
    const perLabel = parts.length === 1 ? parts[0] : (tf.concat(parts) as Tensor1D); // [n]
    const member = tf
      .oneHot(tf.tensor1d(labelRows(batch), 'int32'), batch.batch)
      .toFloat()
      .transpose(); // [batch, n]
    return tf.matMul(member, perLabel.reshape([n, 1])).reshape([batch.batch]) as Tensor1D; // [batch]
  });
}
