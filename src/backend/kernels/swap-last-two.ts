/**
 * The wasm matMul override's re-layout of an operand or a product: the last two axes swapped into a new tensor, and
 * a product run on its operands with their transpose flags made real (both the XNNPACK and the 'gemm' routes).
 */
import { tf } from '../tf';
import { boundRowsKernels } from './rows-matmul-wasm';
import { heapOffset } from './wasm-heap-views';

/**
 * Swaps the last two axes of `x` into a new tensor the caller disposes: float32 through our SIMD transpose
 * (`transpose-wat.ts`, one call per batch slice, ~0.2 ns per element), anything else or without SIMD through
 * `transpose` (tfjs-wasm's Transpose kernel, an index loop at ~6 ns per element).
 */
export function swapLastTwo(transpose: tf.KernelConfig, backend: tf.KernelBackend, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const bound = x.dtype === 'float32' ? boundRowsKernels(backend) : null;
  if (bound) {
    const [rows, cols] = x.shape.slice(-2);
    const slices = x.shape.slice(0, -2).reduce((p, d) => p * d, 1);
    const out = bound.b.makeOutput([...x.shape.slice(0, -2), cols, rows], 'float32'); // [..., cols, rows]
    const [src, dst] = [heapOffset(bound.b, x), heapOffset(bound.b, out)];
    // On the calling thread: split across the kernel pool, transposes ran 2–4× slower than on one thread
    // (memory-bound; Chromium, SmolLM2 LoRA step, 2 threads: 46 → 191 ms over five steps).
    for (let i = 0; i < slices; i++) {
      const at = 4 * i * rows * cols;
      bound.kernels.transpose(src + at, dst + at, rows, cols, cols, rows);
    }
    return out;
  }
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/**
 * `run(aT, bT)` on a and b with any requested transposes made real: aT [..., m, k], bT [..., k, n]. The copies are
 * disposed afterwards (disposing a copied b also deletes the XNNPACK operator stock cached under its id).
 */
export function withUntransposed(
  transpose: tf.KernelConfig,
  backend: tf.KernelBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  run: (aT: tf.TensorInfo, bT: tf.TensorInfo) => tf.TensorInfo,
): tf.TensorInfo {
  const aT = transposeA ? swapLastTwo(transpose, backend, a) : a; // [..., m, k]
  const bT = transposeB ? swapLastTwo(transpose, backend, b) : b; // [..., k, n]
  try {
    return run(aT, bT);
  } finally {
    if (aT !== a) backend.disposeData(aT.dataId);
    if (bT !== b) backend.disposeData(bT.dataId);
  }
}
