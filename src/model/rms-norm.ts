/**
 * RMSNorm as the decoder uses it (`llama.ts`, `attention.ts`): one op on wasm (rms-norm-wasm.ts, with its
 * gradient), else composed of tfjs ops; and the switch to generation's fused ops on wasm.
 */
import { untapedGeneration } from '../backend/generation-scope';
import { generationOpsAvailable } from '../backend/kernels/generation-ops-wasm';
import { fusedRmsNorm, rmsNormKernelAvailable } from '../backend/kernels/rms-norm-wasm';
import { tf, type Tensor, type Tensor1D } from '../backend/tf';

/**
 * Generation on a backend with the fused ops (wasm): one kernel for SwiGLU instead of three
 * (backend/kernels/generation-ops-wasm.ts). Never under a gradient tape, never outside generation.
 */
export function fusedGenerationOps(): boolean {
  return untapedGeneration() && generationOpsAvailable();
}

/**
 * RMSNorm as in HF `LlamaRMSNorm`: `weight * x / sqrt(mean(x²) + eps)` over the last axis, computed in f32 (our
 * tensors are f32 already, so there is no up/down cast to mirror). x: [..., dim], weight: [dim] → [..., dim].
 * Caller owns the result.
 */
export function rmsNorm<T extends Tensor>(x: T, weight: Tensor1D, eps: number): T {
  if (rmsNormKernelAvailable()) return fusedRmsNorm(x, weight, eps);
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight) as T;
  });
}
