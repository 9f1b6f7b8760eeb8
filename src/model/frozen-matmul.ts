/**
 * `x · Wᵀ` for a frozen weight W stored [out, in] (the checkpoint layout), in the fastest form per backend, with
 * the gradient taken only with respect to x (`dx = dy · W`).
 *
 * Why not just `tf.matMul(x, W, false, true)`: on the wasm backend only an untransposed, unbatched matMul reaches
 * XNNPACK; any transpose flag falls back to a naive loop measured ~10× slower (0.5 vs 5 GFLOP/s on the shared dev
 * box). There we compute `(W · xᵀ)ᵀ`: the two transposes touch only activations, never the weight, and the
 * backward `dy · W` is untransposed already. On webgpu and cpu the transposed matMul costs nothing extra.
 */
import { tf, type Tensor, type Tensor2D } from '../backend/tf';
import { wasmKernelOverridesActive } from '../backend/kernels/register-wasm';

function forward(x: Tensor2D, w: Tensor2D): Tensor2D {
  // Our wasm BatchMatMul override computes exactly this (W·xᵀ)ᵀ for few rows (its 'swap' route) in one kernel
  // call instead of three, and picks the cheaper orientation for many.
  if (tf.getBackend() === 'wasm' && !wasmKernelOverridesActive()) {
    return tf.tidy(() => tf.transpose(tf.matMul(w, tf.transpose(x))) as Tensor2D); // [out, rows] → [rows, out]
  }
  return tf.matMul(x, w, false, true); // [rows, out]
}

/**
 * x: [rows, in], w: [out, in] → [rows, out]. Differentiable w.r.t. x only (w is frozen: no gradient is produced
 * for it). Caller owns the result.
 */
export function matMulFrozenT(x: Tensor2D, w: Tensor2D): Tensor2D {
  // No gradient being recorded (generation, scoring): skip the custom-gradient bookkeeping.
  if (!tf.engine().isTapeOn()) return forward(x, w);
  const op = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
    const xIn = args[0] as Tensor;
    return {
      value: forward(xIn as Tensor2D, w),
      gradFunc: (dy: Tensor) => tf.matMul(dy as Tensor2D, w), // [rows, out] · [out, in] → [rows, in]
    };
  });
  return op(x) as Tensor2D;
}
