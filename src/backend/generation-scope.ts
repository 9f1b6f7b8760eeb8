/**
 * Marks the synchronous part of a generation forward (the prompt pass and each cached step of `generate` and the
 * batched decoders), so kernels can choose a form only generation should use. Today, on wasm: the int8/int4 GEMVs
 * quantize x to integers and run integer dot products (16-bit x, ≈ 2·10⁻⁵ of |y| off the exact product; int4 with
 * 8-bit x on relaxed SIMD, llama.cpp's trade), and RMSNorm, SwiGLU, a token's attention and LoRA deltas run as
 * fused ops. Scoring, evaluation and training stay exact: their log-probs are what the tests hold against PyTorch
 * and what users compare between adapters.
 *
 * A depth counter rather than a flag, so nested scopes unwind correctly; the scope is synchronous (one tidy), so
 * no other job's work can run inside it.
 */
import { tf } from './tf';

let depth = 0;

/** Whether a generation forward is running right now. */
export function inGeneration(): boolean {
  return depth > 0;
}

/** Whether a generation forward is running with no gradient tape: where generation's fused ops may run. */
export function untapedGeneration(): boolean {
  return depth > 0 && !tf.engine().isTapeOn();
}

/** Runs `fn` (synchronous) as a generation forward. */
export function asGeneration<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}
