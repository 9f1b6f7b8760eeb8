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

/** What the loss needs from a model: `DecoderModel` satisfies it, and so can a full-parameter training model. */
export interface CausalLm {
  hiddenStates(ids: Tensor2D, opts: { hook?: AdapterHook | null; attentionMask?: ArrayLike<number>[] | null }): Tensor3D;
  logits(h: Tensor3D): Tensor3D;
}

/**
 * Σ −log p(label) over the batch's label tokens, as a scalar (0 when there are none). Differentiable through the
 * hook's variables; call inside `tf.variableGrads`/`tf.tidy`. Caller owns the result.
 */
export function causalLmLossSum(model: CausalLm, batch: LmBatch, hook: AdapterHook | null): tf.Scalar {
  return tf.tidy(() => {
    const n = batch.labels.length;
    if (n === 0) return tf.scalar(0);
    const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seq], 'int32');
    const attentionMask = batch.attention.some((row) => row.includes(0)) ? batch.attention : null;
    const h = model.hiddenStates(ids, { hook, attentionMask }); // [batch, seq, hidden]
    const hidden = h.shape[2];
    const picked = tf.gather(h.reshape([batch.batch * batch.seq, hidden]), tf.tensor1d(batch.predictRows, 'int32')); // [n, hidden]
    const logits = model.logits(picked.reshape([1, n, hidden]) as Tensor3D).reshape([n, -1]) as Tensor2D; // [n, vocab]
    const vocab = logits.shape[1];
    const at = Int32Array.from(batch.labels, (label, i) => i * vocab + label);
    const target = tf.gather(logits.flatten(), tf.tensor1d(at, 'int32')); // [n]
    return tf.logSumExp(logits, 1).sub(target).sum() as tf.Scalar;
  });
}
