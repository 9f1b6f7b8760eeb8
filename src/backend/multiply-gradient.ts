/**
 * tfjs's gradient of Multiply without its copies. tfjs computes each side as dy · cast(other, 'float32'), and
 * `cast` runs the Cast kernel even when the operand is float32 already: on wasm a full copy of the operand, and on
 * every backend a dispatch with its JS bookkeeping. A SmolLM2-135M LoRA step ran 781 of them (9% of its kernels),
 * all float32 to float32. This is the same gradient with the cast only where the dtype changes, so the values are
 * tfjs's exactly (the same products, the same reductions).
 */
import { tf } from './tf';

const MULTIPLY = 'Multiply';

/** One side's gradient: dy times the other operand, summed over the axes that side was broadcast along. */
function side(dy: tf.Tensor, other: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const product = tf.mul(dy, other.dtype === 'float32' ? other : tf.cast(other, 'float32'));
  const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
  return axes.length > 0 ? tf.reshape(tf.sum(product, axes), shape) : product;
}

const multiplyGradient: tf.GradConfig = {
  kernelName: MULTIPLY,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved) => {
    const [a, b] = saved;
    const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const d = dy as tf.Tensor;
    return { a: () => side(d, b, a.shape, outShape), b: () => side(d, a, b.shape, outShape) };
  },
};

/** Replaces tfjs's Multiply gradient with this one (every backend; idempotent). */
export function lightenMultiplyGradient(): void {
  if (tf.getGradient(MULTIPLY) !== multiplyGradient) tf.registerGradient(multiplyGradient);
}
