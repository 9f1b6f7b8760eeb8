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

/** Values of W above which the wasm input gradient runs in row blocks (see `inputGradient`): 16 MiB of f32. */
const WASM_PACK_BLOCK_VALUES = 1 << 22;

/**
 * Values per row block of that gradient: 2 MiB of f32. Each block's product reads all of dy's block for every
 * 8-column panel of W, so a block of dy that stays in a 1 MiB L2 is read from there: SmolLM2's head gradient at 63
 * rows took 87–88 ms in blocks of 2^19 values against 96–98 in blocks of 2^22 and 121–126 unblocked (Node wasm, 1
 * thread, our GEMM, alternated); at 255 rows 325 against 330. 2^18 was slower again (99).
 */
const WASM_GRADIENT_BLOCK_VALUES = 1 << 19;

/**
 * dx = dy · W: dy [rows, out], w [out, in] → [rows, in]. On wasm, tfjs hands an untransposed product to XNNPACK,
 * which packs `b` (here W) into an operator cached under W's id for as long as W lives: for an f32 LM head that is
 * a second head-sized copy in the wasm heap after the first backward pass (113 MB at SmolLM2's 49k × 576, 544 MB at
 * Qwen2.5's 152k × 896), which only grows. A W over 16 MiB is therefore multiplied in row blocks of 2 MiB, each a
 * fresh slice, as dxᵀ = Σ W_bᵀ · dy_bᵀ: our wasm matMul moves the block into place (a SIMD transpose, ~0.3 ns per
 * float) and XNNPACK packs only dy_bᵀ, where dy_b · W_b had it pack the whole block on every step (~3 ns per float;
 * 28 → 17 ms per SmolLM2 block at 64 rows, measured). The same sum, blocked along `out`.
 */
function inputGradient(dy: Tensor2D, w: Tensor2D): Tensor2D {
  if (tf.getBackend() !== 'wasm' || w.size <= WASM_PACK_BLOCK_VALUES) return tf.matMul(dy, w); // [rows, in]
  const [out, inp] = w.shape;
  const block = Math.max(1, Math.floor(WASM_GRADIENT_BLOCK_VALUES / inp));
  let acc: Tensor2D | null = null; // dxᵀ [in, rows]
  for (let start = 0; start < out; start += block) {
    const size = Math.min(block, out - start);
    const part = tf.tidy(
      () => tf.matMul(w.slice([start, 0], [size, inp]), dy.slice([0, start], [-1, size]), true, true) as Tensor2D,
    ); // [size, in]ᵀ · [rows, size]ᵀ → [in, rows]
    const next = (acc ? tf.add(acc, part) : part) as Tensor2D;
    if (acc) tf.dispose([acc, part]);
    acc = next;
  }
  const dx = tf.transpose(acc!) as Tensor2D; // [rows, in]
  acc!.dispose();
  return dx;
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
      gradFunc: (dy: Tensor) => inputGradient(dy as Tensor2D, w), // [rows, out] · [out, in] → [rows, in]
    };
  });
  return op(x) as Tensor2D;
}
