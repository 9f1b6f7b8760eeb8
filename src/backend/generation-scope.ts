/**
 * Marks the synchronous part of a generation forward (the prompt pass and each cached step of `generate` and the
 * batched decoders), so kernels can choose a form only generation should use. Today: the wasm int8/int4 GEMVs
 * quantize x to 16-bit integers and run integer dot products (≈ 2·10⁻⁵ of |y| off the exact product, 2–3×
 * faster), llama.cpp's trade for generation (with 8-bit x there). Scoring, evaluation and training stay exact:
 * their log-probs are what the tests hold against PyTorch and what users compare between adapters.
 *
 * A depth counter rather than a flag, so nested scopes unwind correctly; the scope is synchronous (one tidy), so
 * no other job's work can run inside it.
 */
let depth = 0;

/** Whether a generation forward is running right now. */
export function inGeneration(): boolean {
  return depth > 0;
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
