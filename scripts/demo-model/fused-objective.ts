/**
 * The pretraining objective: the same masked causal-LM token loss as `src/train/loss.ts` (sum of −log p(label)
 * over the batch's label rows), with the softmax cross-entropy written as one custom-gradient op. The generic
 * path differentiates `logSumExp` through its max, whose gradient runs a broadcast `Equal` over the whole
 * [rows, vocab] block; on tfjs-wasm that alone took ~1.3 s of an ~8 s step on the shared box. The closed form
 * ∂L/∂logits = softmax − onehot needs one softmax.
 */
import { tf, type Tensor, type Tensor2D, type Tensor3D } from '../../src/backend/tf';
import type { DecoderModel } from '../../src/model/llama';
import type { LmBatch } from '../../src/train/batch';
import type { TrainObjective } from '../../src/train/objective';

/** Σ over rows of −log softmax(logits)[label]; logits [rows, vocab]. Caller owns the result. */
export function softmaxCrossEntropySum(logits: Tensor2D, labels: Int32Array): tf.Scalar {
  const [rows, vocab] = logits.shape;
  const flatIndex = Int32Array.from(labels, (label, i) => i * vocab + label);
  const op = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    save([x]);
    const target = tf.gather(x.flatten(), tf.tensor1d(flatIndex, 'int32')); // [rows]
    return {
      value: tf.logSumExp(x, 1).sub(target).sum() as tf.Scalar,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), vocab); // [rows, vocab]
        return tf
          .softmax(saved[0] as Tensor2D)
          .sub(onehot)
          .mul(dy) as Tensor2D; // [rows, vocab]
      },
    };
  });
  if (labels.length !== rows) throw new Error(`softmaxCrossEntropySum: ${labels.length} labels for ${rows} rows`);
  return op(logits) as tf.Scalar;
}

/** Full-parameter objective over `variables` (the weights `model` reads); no dropout. */
export function fusedFullObjective(model: DecoderModel, variables: ReadonlyMap<string, tf.Variable>): TrainObjective {
  const head = variables.get('lm_head.weight') ?? variables.get('model.embed_tokens.weight') ?? null; // [vocab, hidden]
  return {
    variables,
    lossSum(batch: LmBatch) {
      return tf.tidy(() => {
        const n = batch.labels.length;
        if (n === 0) return tf.scalar(0);
        const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seq], 'int32');
        const mask = batch.attention.some((row) => row.includes(0)) ? batch.attention : null;
        const h = model.hiddenStates(ids, { attentionMask: mask }); // [batch, seq, hidden]
        const hidden = h.shape[2];
        const rows = tf.gather(h.reshape([batch.batch * batch.seq, hidden]), tf.tensor1d(batch.predictRows, 'int32')); // [n, hidden]
        // Not model.logits(): the engine's LM head is frozen (matMulFrozenT passes no gradient to W, right for LoRA),
        // which left the tied embedding untrained as an output layer. Pretraining needs the head's gradient.
        const logits = head
          ? (tf.matMul(rows, head, false, true) as Tensor2D) // [n, vocab]
          : (model.logits(rows.reshape([1, n, hidden]) as Tensor3D).reshape([n, -1]) as Tensor2D);
        return softmaxCrossEntropySum(logits, batch.labels);
      });
    },
    setDropoutRng: () => undefined,
  };
}
