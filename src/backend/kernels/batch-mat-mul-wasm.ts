/**
 * `BatchMatMul` for the wasm backend, wrapping tfjs's own. tfjs-backend-wasm 4.22 runs a product on XNNPACK only
 * when it is untransposed and both operands are single matrices; a transpose flag or a batch sends it to a scalar
 * loop 8–30× slower. Training is full of those: the LoRA delta x·Aᵀ·Bᵀ, every weight gradient (xᵀ·dy), every input
 * gradient (dy·W), attention's q·kᵀ and its gradients.
 *
 * Here a transposed operand is copied into place once (`swap-last-two.ts`: our SIMD transpose), then each product goes
 * to XNNPACK through heap views: a single `b` lets the whole batch of `a` fold into rows (one call), a batched `b`
 * gives one call per output slice, broadcasting batch dims as tfjs does. A single x·Wᵀ with few rows is computed
 * as (W·xᵀ)ᵀ instead, so the big W is neither copied nor packed (XNNPACK packs its weight operand on every call).
 * Products of few rows run our SIMD kernels on the operands as stored ('rows'), and of many rows, while XNNPACK
 * computes on one thread, our GEMM ('gemm', `gemm-matmul-wasm.ts`); other small products keep the stock kernel
 * (`matmul-route.ts`). Results are the same sums in a different order: equal to the stock kernel within float32
 * rounding (tests: 1e-5 relative).
 */
import { tf } from '../tf';
import {
  chooseMatMulRoute,
  matMulGeometry,
  operandBatchIndex,
  type MatMulGeometry,
  type MatMulRoute,
} from './matmul-route';
import { HeapViews, heapOffset, readWasmInternals, xnnMatMul, type WasmBackendInternals } from './wasm-heap-views';
import { rowsKernelsForBackend, type RowsMatMulKernels } from './rows-matmul-wasm';
import { swapLastTwo, withUntransposed } from './swap-last-two';
import { gemmMatMul, gemmRuns } from './gemm-matmul-wasm';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * Runs `a·b` (both already untransposed: a [..., m, k], b [..., k, n]) on XNNPACK into a new output
 * [...batchShape, m, n], which the caller owns.
 */
function xnnBatchMatMul(
  backend: WasmBackendInternals,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  g: MatMulGeometry,
  fold: boolean,
): tf.TensorInfo {
  const { m, k, n } = g;
  const out = backend.makeOutput([...g.batchShape, m, n], 'float32');
  const views = new HeapViews(backend);
  try {
    const [aBase, bBase, outBase] = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)];
    if (fold) {
      // One b: a's batch is a stack of rows, [batch·m, k]·[k, n] → [batch·m, n].
      const rows = g.batch * m;
      const ids = {
        a: views.view(aBase, 0, rows * k),
        b: views.view(bBase, 0, k * n),
        out: views.view(outBase, 0, rows * n),
      };
      xnnMatMul(backend, ids, rows, k, n);
      return out;
    }
    for (let i = 0; i < g.batch; i++) {
      const ai = operandBatchIndex(i, g.batchShape, g.aBatchShape);
      const bi = operandBatchIndex(i, g.batchShape, g.bBatchShape);
      const ids = {
        a: views.view(aBase, ai * m * k, m * k),
        b: views.view(bBase, bi * k * n, k * n),
        out: views.view(outBase, i * m * n, m * n),
      };
      xnnMatMul(backend, ids, m, k, n); // [m, k]·[k, n] → [m, n]
      // Release per slice: each b view holds a packed XNNPACK operator until it is released.
      views.release();
    }
    return out;
  } catch (e) {
    backend.disposeData(out.dataId);
    throw e;
  } finally {
    views.release();
  }
}

/**
 * a·b (or a·bᵀ with `transposeB`) for few rows through our SIMD kernels, one call per output batch slice on the
 * operands as stored, into a new output [...batchShape, m, n] the caller owns. `a` transposed only when m = 1.
 */
function rowsMatMul(
  backend: WasmBackendInternals,
  kernels: RowsMatMulKernels,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  g: MatMulGeometry,
  transposeB: boolean,
): tf.TensorInfo {
  const { m, k, n } = g;
  const out = backend.makeOutput([...g.batchShape, m, n], 'float32');
  const [aBase, bBase, outBase] = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out)];
  const mm = transposeB ? kernels.mm_nt : kernels.mm_nn;
  for (let i = 0; i < g.batch; i++) {
    const ai = operandBatchIndex(i, g.batchShape, g.aBatchShape);
    const bi = operandBatchIndex(i, g.batchShape, g.bBatchShape);
    mm(aBase + 4 * ai * m * k, bBase + 4 * bi * k * n, outBase + 4 * i * m * n, m, k, n); // [m, k]·[k, n]
  }
  return out;
}

/** Picks the path of one product; {@link chooseMatMulRoute} unless a measurement forces one. */
export type RoutePolicy = (
  g: MatMulGeometry,
  transposeA: boolean,
  transposeB: boolean,
  direct?: boolean,
  gemm?: boolean,
) => MatMulRoute;

/**
 * a·bᵀ for single matrices as (b·aᵀ)ᵀ: `b` [n, k] as stored is the row operand, `aT` [k, m] the weights, the
 * [n, m] product is transposed into a new [m, n] output, which the caller owns.
 */
function swappedMatMul(
  backend: WasmBackendInternals,
  transpose: tf.KernelConfig,
  aT: tf.TensorInfo,
  b: tf.TensorInfo,
  g: MatMulGeometry,
): tf.TensorInfo {
  const { m, k, n } = g;
  const product = backend.makeOutput([n, m], 'float32'); // (a·bᵀ)ᵀ
  const views = new HeapViews(backend);
  try {
    const ids = {
      a: views.view(heapOffset(backend, b), 0, n * k),
      b: views.view(heapOffset(backend, aT), 0, k * m),
      out: views.view(heapOffset(backend, product), 0, n * m),
    };
    xnnMatMul(backend, ids, n, k, m); // [n, k]·[k, m] → [n, m]
  } finally {
    views.release();
  }
  // One row (a decode step's x·Wᵀ): [n, 1] and [1, n] are the same bytes, no transpose needed.
  if (m === 1) return { ...product, shape: [...g.batchShape, m, n] };
  try {
    const out = swapLastTwo(transpose, backend as unknown as tf.KernelBackend, product); // [m, n]
    return { ...out, shape: [...g.batchShape, m, n] };
  } finally {
    backend.disposeData(product.dataId);
  }
}

/**
 * The override's kernel function over `stock` (tfjs's BatchMatMul for wasm) and `transpose` (tfjs's Transpose for
 * wasm). Falls back to `stock` for non-float32 inputs, for products stock already runs on XNNPACK, and for small
 * ones; `route` is replaceable so the crossover bench can time each path on the same shape.
 */
export function batchMatMulWasm(
  stock: tf.KernelConfig,
  transpose: tf.KernelConfig,
  route: RoutePolicy = chooseMatMulRoute,
): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args;
    const backend = args.backend as tf.KernelBackend;
    const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
    const internals = readWasmInternals(backend);
    if (!internals || a.dtype !== 'float32' || b.dtype !== 'float32') return stock.kernelFunc(args);
    const g = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
    const kernels = rowsKernelsForBackend(backend);
    const path = route(g, transposeA, transposeB, kernels !== null, gemmRuns());
    if (path === 'stock') return stock.kernelFunc(args);
    if (path === 'rows' && kernels) return rowsMatMul(internals, kernels, a, b, g, transposeB);
    if (path === 'gemm' && kernels) return gemmMatMul(internals, kernels, transpose, a, b, g, transposeA, transposeB);
    if (path === 'swap') {
      // a as [k, m]: already so when transposeA or when m = 1 (same bytes), else one copy; b stays as stored.
      const aKM = transposeA || g.m === 1 ? a : swapLastTwo(transpose, backend, a);
      try {
        return swappedMatMul(internals, transpose, aKM, b, g);
      } finally {
        if (aKM !== a) internals.disposeData(aKM.dataId);
      }
    }
    return withUntransposed(transpose, backend, a, b, transposeA, transposeB, (aT, bT) =>
      xnnBatchMatMul(internals, aT, bT, g, path === 'fold'),
    );
  };
}

/** Registry entry for `BatchMatMul` on 'wasm' wrapping `stock`; its setup is stock's (the fallback needs it). */
export function batchMatMulWasmConfig(stock: tf.KernelConfig, transpose: tf.KernelConfig): tf.KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: batchMatMulWasm(stock, transpose),
  };
}
