/**
 * Causal-LM cross-entropy with label masking. Only the hidden states that predict a label are pushed through the
 * LM head, so prompt tokens, padding and the last position never cost a [rows, vocab] logits block: for
 * completion-only data that is most of the batch. The result is the *sum* of token NLLs; the trainer divides by
 * the number of label tokens in the whole optimizer step so gradient accumulation gives the exact mean over
 * tokens (not a mean of per-micro-batch means).
 */
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import type { AdapterHook } from '../model/linear';
import type { LmBatch } from './batch';
import { chunkedHeadNllSum, type HeadFn } from './head-loss';

/** What the loss needs from a model: `DecoderModel` satisfies it, and so can a full-parameter training model. */
export interface CausalLm {
  readonly config: { vocab: number };
  hiddenStates(
    ids: Tensor2D,
    opts: { hook?: AdapterHook | null; attentionMask?: ArrayLike<number>[] | null },
  ): Tensor3D;
  logits(h: Tensor3D): Tensor3D;
}

/** Options of `causalLmLossSum`. */
export interface LossOptions {
  /**
   * The LM head's weight is being trained (full-parameter training): each chunk's logits stay on the tape so the
   * head gets its gradient. Otherwise (LoRA: the head is frozen) the head and loss run as one chunked custom
   * gradient (head-loss.ts) and no [labels, vocab] block outlives its chunk, forward or backward.
   */
  trainsHead?: boolean;
}

/**
 * Σ −log p(label) over the batch's label tokens, as a scalar (0 when there are none). Differentiable through the
 * hook's variables; call inside `tf.variableGrads`/`tf.tidy`. Caller owns the result.
 */
export function causalLmLossSum(
  model: CausalLm,
  batch: LmBatch,
  hook: AdapterHook | null,
  opts: LossOptions = {},
): tf.Scalar {
  return tf.tidy(() => {
    const n = batch.labels.length;
    if (n === 0) return tf.scalar(0);
    const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seq], 'int32');
    const attentionMask = batch.attention.some((row) => row.includes(0)) ? batch.attention : null;
    const h = model.hiddenStates(ids, { hook, attentionMask }); // [batch, seq, hidden]
    const hidden = h.shape[2];
    const picked = selectRows(h.reshape([batch.batch * batch.seq, hidden]) as Tensor2D, batch.predictRows); // [n, hidden]
    if (!opts.trainsHead)
      return chunkedHeadNllSum(headOf(model), picked, batch.labels, model.config.vocab, undefined, batch.labelWeights);
    // Chunks of label rows: without a tape (eval) only one [chunk, vocab] block is alive at a time.
    const parts: tf.Scalar[] = [];
    for (let start = 0; start < n; start += LOSS_CHUNK_ROWS) {
      const rows = Math.min(LOSS_CHUNK_ROWS, n - start);
      parts.push(
        tf.tidy(() => {
          const chunk = picked.slice([start, 0], [rows, hidden]).reshape([1, rows, hidden]) as Tensor3D;
          const logits = model.logits(chunk).reshape([rows, -1]) as Tensor2D; // [rows, vocab]
          return tokenNllSum(
            logits,
            batch.labels.subarray(start, start + rows),
            batch.labelWeights?.subarray(start, start + rows),
          );
        }),
      );
    }
    return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
  });
}

/** The model's LM head as a rows → logits function: [r, hidden] → [r, vocab]. */
export function headOf(model: CausalLm): HeadFn {
  return (rows) =>
    model.logits(rows.reshape([1, rows.shape[0], rows.shape[1]]) as Tensor3D).reshape([rows.shape[0], -1]) as Tensor2D;
}

/** Label rows per LM-head block in `causalLmLossSum` when the head is trained. */
const LOSS_CHUNK_ROWS = 128;

/**
 * Σ −log softmax(logits)[label] over rows: logits [n, vocab], labels [n]; with `weights` [n], Σ wᵢ·NLLᵢ (preference
 * tuning backpropagates its loss as weighted token NLLs, see preference/objective.ts). A custom gradient
 * (softmax − one-hot) keeps only the logits on the tape instead of every intermediate of log-sum-exp, which at a
 * 150k vocabulary is the difference between a few and twenty [n, vocab] blocks. Caller owns the result.
 */
export function tokenNllSum(logits: Tensor2D, labels: Int32Array, weights?: Float32Array): tf.Scalar {
  const nll = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const l = args[0] as Tensor2D;
    (args[1] as tf.GradSaveFunc)([l]);
    // [n, 1]; made inside each closure: a tensor made here would be gone (tidied) by the backward pass.
    const weightOf = () => (weights ? tf.tensor2d(weights, [weights.length, 1]) : null);
    const value = tf.tidy(() => {
      const w = weightOf();
      // logit[label] through a one-hot product: works on every backend (gather has no wasm gradient kernel).
      const target = l.mul(tf.oneHot(tf.tensor1d(labels, 'int32'), l.shape[1])).sum(1, true); // [n, 1]
      const perRow = tf.logSumExp(l, 1, true).sub(target); // [n, 1]
      return (w ? perRow.mul(w) : perRow).sum() as tf.Scalar;
    });
    const gradFunc = (dy: tf.Scalar, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const s = saved[0] as Tensor2D;
        const g = tf
          .softmax(s)
          .sub(tf.oneHot(tf.tensor1d(labels, 'int32'), s.shape[1]))
          .mul(dy);
        const w = weightOf();
        return w ? g.mul(w) : g;
      });
    return { value, gradFunc };
  });
  return nll(logits) as tf.Scalar;
}

/**
 * rows of `x` at `indices` ([n, cols]), differentiable. `gather`'s gradient needs the UnsortedSegmentSum kernel,
 * which the wasm backend lacks; there a one-hot selection matrix does the same through matMul.
 */
export function selectRows(x: Tensor2D, indices: Int32Array): Tensor2D {
  const idx = tf.tensor1d(indices, 'int32');
  if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return tf.gather(x, idx) as Tensor2D;
  const select = tf.oneHot(idx, x.shape[0]).toFloat() as Tensor2D; // [n, rows]
  return tf.matMul(select, x); // [n, cols]
}
