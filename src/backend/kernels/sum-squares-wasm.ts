/**
 * Σ x² over many float32 tensors on the wasm backend, read where they lie in the heap. Gradient clipping's global
 * norm took one Square and one Sum kernel per gradient plus an AddN (840 kernels for a SmolLM2-135M LoRA's 420
 * matrices, 37–60 ms a step); here it is one pass over views of the heap, summed in float64.
 */
import { tf } from '../tf';
import { backendMemory, heapOffset, readWasmInternals } from './wasm-heap-views';

/** Σ of the squares of every element of `tensors` (all float32 on the active wasm backend), or null elsewhere. */
export function wasmSumOfSquares(tensors: readonly tf.Tensor[]): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const b = readWasmInternals(tf.backend());
  const memory = b ? backendMemory(b) : null;
  if (!b || !memory || tensors.some((t) => t.dtype !== 'float32')) return null;
  let sum = 0;
  for (const t of tensors) {
    const x = new Float32Array(memory.buffer, heapOffset(b, t), t.size);
    let [s0, s1, s2, s3] = [0, 0, 0, 0];
    const n4 = x.length & ~3;
    for (let i = 0; i < n4; i += 4) {
      s0 += x[i] * x[i];
      s1 += x[i + 1] * x[i + 1];
      s2 += x[i + 2] * x[i + 2];
      s3 += x[i + 3] * x[i + 3];
    }
    for (let i = n4; i < x.length; i++) s0 += x[i] * x[i];
    sum += s0 + s1 + s2 + s3;
  }
  return sum;
}
