/**
 * RMSNorm as in HF `LlamaRMSNorm`: `weight * x / sqrt(mean(x²) + eps)` over the last axis, computed in f32
 * (our tensors are f32 already, so there is no up/down cast to mirror).
 */
import { tf, type Tensor, type Tensor1D } from '../backend/tf';

/** x: [..., dim], weight: [dim] → [..., dim]. Caller owns the result. */
export function rmsNorm<T extends Tensor>(x: T, weight: Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight) as T;
  });
}
