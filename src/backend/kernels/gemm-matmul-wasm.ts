/**
 * The wasm `BatchMatMul` override's 'gemm' route: our 4 × 8-tile GEMM (`gemm-wat.ts`) on the operands where they
 * lie in tfjs-wasm's heap, one call per output batch slice (broadcasting batch dims as tfjs does). Transposed
 * operands are moved into place by our SIMD transpose first; a big transposed `b` (x·Wᵀ with W [out, in] as
 * stored) is not moved: the product runs as (b·aᵀ)ᵀ, W as the row operand, and only the activations and the
 * output are transposed. Nothing is packed or cached per tensor (XNNPACK keeps a packed copy of every weight it
 * multiplied). The sums run in the same order as XNNPACK's: on the plain-SIMD build the result equals XNNPACK's,
 * on the relaxed build (fused multiply-adds, gemm-wat.ts) it is rounded once a step instead of twice.
 */
import { tf } from '../tf';
import { heapScratch } from './heap-scratch';
import { chunkCount, kernelPoolSettings, splitRange } from './kernel-pool';
import { operandBatchIndex, type MatMulGeometry } from './matmul-route';
import type { RowsMatMulKernels } from './rows-matmul-wasm';
import { swapLastTwo, withUntransposed } from './swap-last-two';
import { heapOffset, type WasmBackendInternals } from './wasm-heap-views';

/**
 * Whether the 'gemm' route runs, and the smallest product (multiply-adds) split across our kernel pool's threads.
 * Our GEMM computes on our pool (`kernelPoolSettings`); where XNNPACK has a pool of several threads instead
 * (`xnnThreads` > 1) XNNPACK's threads win and the route is off.
 */
export const gemmSettings = { enabled: true, minSplitMacs: 1 << 21 };

/** Whether our GEMM takes many-row products now: switched on, and XNNPACK computes on one thread. */
export function gemmRuns(): boolean {
  return gemmSettings.enabled && kernelPoolSettings.xnnThreads <= 1;
}

/**
 * c [m, n] = a [m, k] · b [k, n] on byte offsets in `backend`'s heap with row strides in floats, the bigger operand
 * read once (gemm-wat.ts: a's tiles outside when a is the bigger, with all of b packed). With a kernel pool and a
 * product worth it, the bigger operand's rows (a's, or b's columns) are cut into chunks on whole tiles that the
 * threads take as they come free: with a's rows, b is packed once and every chunk reads that copy; with b's
 * columns, each chunk packs its own panels. The same sums in the same order as one call.
 */
export function gemmInPlace(
  backend: WasmBackendInternals,
  kernels: RowsMatMulKernels,
  at: { a: number; b: number; c: number },
  dims: { m: number; k: number; n: number; lda: number; ldb: number; ldc: number },
): void {
  const { m, k, n, lda, ldb, ldc } = dims;
  const rowsOuter = m * k > k * n;
  const packBytes = Math.ceil(Math.max(16, 4 * k * (rowsOuter ? n + 3 : 8)) / 16) * 16;
  const { pool } = kernels;
  // Chunks on whole tiles (4 rows of a, 8 columns of b), so no chunk computes a ragged tile one call would not.
  const tiles = rowsOuter ? Math.ceil(m / 4) : Math.ceil(n / 8);
  const macs = m * k * n;
  const split = pool !== null && macs >= gemmSettings.minSplitMacs;
  const parts = split ? chunkCount(pool, tiles, macs, gemmSettings.minSplitMacs / 2) : 1;
  const pack = heapScratch(backend, packBytes * (rowsOuter ? 1 : parts));
  if (pack === null) throw new Error('wasm gemm: the backend exposes no heap allocator');
  if (parts <= 1 || !pool) {
    kernels.gemm_nn(at.a, at.b, at.c, m, k, n, lda, ldb, ldc, pack, rowsOuter ? 1 : 0);
    return;
  }
  if (rowsOuter) kernels.gemm_nn(at.a, at.b, at.c, 0, k, n, lda, ldb, ldc, pack, 1); // no rows: packs b only
  const [tile, size] = rowsOuter ? [4, m] : [8, n];
  pool.run(
    splitRange(tiles, parts).map(([t0, t1], i) => {
      const [s0, s1] = [t0 * tile, Math.min(size, t1 * tile)];
      const [a, b, c] = rowsOuter
        ? [at.a + 4 * s0 * lda, at.b, at.c + 4 * s0 * ldc]
        : [at.a, at.b + 4 * s0, at.c + 4 * s0];
      const [sm, sn] = rowsOuter ? [s1 - s0, n] : [m, s1 - s0];
      const [scratch, flags] = rowsOuter ? [pack, 3] : [pack + i * packBytes, 0]; // 3: rows outer, b packed
      return { fn: 'gemm_nn', args: [a, b, c, sm, k, sn, lda, ldb, ldc, scratch, flags] };
    }),
  );
}

/** out [...batch, m, n] = a [...batch, m, k] · b [...batch, k, n] (untransposed), slice by slice. */
function gemmSlices(
  backend: WasmBackendInternals,
  kernels: RowsMatMulKernels,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  out: tf.TensorInfo,
  g: MatMulGeometry,
  dims: { m: number; k: number; n: number },
): void {
  const { m, k, n } = dims;
  const [aBase, bBase, outBase] = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)];
  for (let i = 0; i < g.batch; i++) {
    const ai = operandBatchIndex(i, g.batchShape, g.aBatchShape);
    const bi = operandBatchIndex(i, g.batchShape, g.bBatchShape);
    const at = { a: aBase + 4 * ai * m * k, b: bBase + 4 * bi * k * n, c: outBase + 4 * i * m * n };
    gemmInPlace(backend, kernels, at, { m, k, n, lda: k, ldb: n, ldc: n });
  }
}

/** Whether x·bᵀ should run as (b·xᵀ)ᵀ: moving b [n, k] into place would copy more than x and the product. */
export function gemmSwaps(g: MatMulGeometry, transposeA: boolean, transposeB: boolean): boolean {
  return transposeB && g.bBatch === 1 && g.n * g.k > (transposeA ? 0 : g.m * g.k) + g.m * g.n;
}

/** a·b with the transpose flags, as a new output [...batchShape, m, n] the caller owns. */
export function gemmMatMul(
  backend: WasmBackendInternals,
  kernels: RowsMatMulKernels,
  transpose: tf.KernelConfig,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  g: MatMulGeometry,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  const kb = backend as unknown as tf.KernelBackend;
  const { m, k, n } = g;
  if (!gemmSwaps(g, transposeA, transposeB)) {
    return withUntransposed(transpose, kb, a, b, transposeA, transposeB, (aMK, bKN) => {
      const out = backend.makeOutput([...g.batchShape, m, n], 'float32'); // aMK [..., m, k] · bKN [..., k, n]
      try {
        gemmSlices(backend, kernels, aMK, bKN, out, g, { m, k, n });
      } catch (e) {
        backend.disposeData(out.dataId);
        throw e;
      }
      return out;
    });
  }
  // (a·bᵀ)ᵀ = b·aᵀ: b [n, k] as stored, aᵀ [..., k, m] (a as stored when transposeA).
  const aKM = transposeA ? a : swapLastTwo(transpose, kb, a);
  const product = backend.makeOutput([...g.batchShape, n, m], 'float32'); // [..., n, m]
  try {
    const swapped: MatMulGeometry = { ...g, m: n, n: m, aBatchShape: g.bBatchShape, bBatchShape: g.aBatchShape };
    gemmSlices(backend, kernels, b, aKM, product, swapped, { m: n, k, n: m });
    return swapLastTwo(transpose, kb, product); // [..., m, n]
  } finally {
    if (aKM !== a) backend.disposeData(aKM.dataId);
    backend.disposeData(product.dataId);
  }
}
