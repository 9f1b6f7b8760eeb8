/**
 * A LoRA delta added to a base projection's output as one op on the wasm backend (`LoraStudioLowRankAdd`), for
 * generation with an adapter: y + scale · (x·Aᵀ)·Bᵀ. Composed of tfjs ops it is four kernels per adapted module
 * (two products, a multiply, an add) — 840 per SmolLM2-135M decode step with an all-linear adapter, each with
 * ~3 µs of engine JS besides its arithmetic, which made an adapter's decode ~1.5× slower than the base's. This op
 * runs both products with the few-row f32 kernels (rows-matmul-wat.ts, `mm_nt`: A and B as stored) and the
 * scaled add in one pass, f32 throughout (sums in another order than tfjs's matMul: within float rounding).
 *
 * Inputs y [rows, out], x [rows, in], a [rank, in], b [out, rank]; attr scale. Output [rows, out]. No gradient:
 * generation only (training keeps the composite ops, whose gradients it needs).
 */
import { tf } from '../tf';
import { heapArrays, heapScratch } from './heap-scratch';
import { boundRowsKernels, rowsKernelsForBackend } from './rows-matmul-wasm';
import { opInput } from './generation-ops-wasm';
import { heapOffset } from './wasm-heap-views';

export const LOW_RANK_ADD = 'LoraStudioLowRankAdd';

/** Switch for tests and benches: false keeps the composite ops in generation too. */
export const lowRankAddSettings = { enabled: true };

const lowRankAddConfig: tf.KernelConfig = {
  kernelName: LOW_RANK_ADD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { scale } = attrs as unknown as { scale: number };
    const bound = boundRowsKernels(backend);
    if (!bound) throw new Error('low-rank add: needs tfjs-wasm with SIMD');
    const { b, memory, kernels: mm } = bound;
    const [y, x, a, bm] = ['y', 'x', 'a', 'b'].map((n) => opInput(inputs, n, 'low-rank add'));
    const [rows, out] = y.shape;
    const [rank, inp] = a.shape;
    if (x.shape[0] !== rows || x.shape[1] !== inp || bm.shape[0] !== out || bm.shape[1] !== rank)
      throw new Error(`low-rank add: shapes y ${y.shape}, x ${x.shape}, A ${a.shape}, B ${bm.shape} disagree`);
    // Output, then scratch, then views: an allocation may grow the heap, which replaces its buffer.
    const result = b.makeOutput([rows, out], 'float32');
    const downOff = heapScratch(b, 4 * rows * rank); // x·Aᵀ [rows, rank]
    if (downOff === null) throw new Error('low-rank add: the wasm heap has no allocator');
    const resultOff = heapOffset(b, result);
    mm.mm_nt(heapOffset(b, x), heapOffset(b, a), downOff, rows, inp, rank); // [rows, rank]
    mm.mm_nt(downOff, heapOffset(b, bm), resultOff, rows, rank, out); // [rows, out] = (x·Aᵀ)·Bᵀ
    const f32 = heapArrays(memory).f32;
    const [yAt, rAt, n] = [heapOffset(b, y) / 4, resultOff / 4, rows * out];
    for (let i = 0; i < n; i++) f32[rAt + i] = f32[yAt + i] + Math.fround(scale * f32[rAt + i]);
    return result;
  },
};

/** Registers the op for 'wasm' (idempotent). */
export function registerLowRankAdd(): void {
  if (!tf.getKernel(LOW_RANK_ADD, 'wasm')) tf.registerKernel(lowRankAddConfig);
}

/** Whether the active backend runs the op (tfjs-wasm with SIMD). */
export function lowRankAddAvailable(): boolean {
  if (!lowRankAddSettings.enabled || tf.getKernel(LOW_RANK_ADD, tf.getBackend()) === undefined) return false;
  return rowsKernelsForBackend(tf.backend()) !== null;
}

/** y [rows, out] + scale · (x [rows, in] · a [rank, in]ᵀ) · b [out, rank]ᵀ → [rows, out]. No gradient. */
export function fusedLowRankAdd(
  y: tf.Tensor2D,
  x: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  scale: number,
): tf.Tensor2D {
  return tf.engine().runKernel(LOW_RANK_ADD, { y, x, a, b }, { scale }) as tf.Tensor2D;
}
