/**
 * The wasm matMul override's re-layout of an operand or a product: the last two axes swapped into a new tensor.
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
    for (let i = 0; i < slices; i++) {
      const at = 4 * i * rows * cols;
      bound.kernels.transpose(src + at, dst + at, rows, cols, cols, rows);
    }
    return out;
  }
  const perm = [...Array(rank - 2).keys(), rank - 1, rank - 2];
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}
