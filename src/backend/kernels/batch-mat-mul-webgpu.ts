/**
 * `BatchMatMul` for the webgpu backend, wrapping tfjs's own: products whose left operand has few rows and whose
 * right operand is one matrix (x · Wᵀ of a Linear during decode or a short sequence, dy · W of its input gradient,
 * the LM head's row blocks) run {@link SmallRowsMatMulProgram}; everything else (attention's batched products,
 * transposed left operands, many rows) stays on tfjs's kernel. Same sums in another order: equal within float32
 * rounding (tests: 1e-5 relative).
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../tf';
import { softwareAdapterKernels } from '../adapter-kind';
import { matMulGeometry, type MatMulGeometry } from './matmul-route';
import {
  SMALL_ROWS_COLS,
  SmallRowsMatMulProgram,
  SplitSumProgram,
  type SmallRowsShape,
} from './small-rows-matmul-program';

/**
 * Most rows (batch · m) sent to the small-rows program. Its cost grows with the row count while the tiled kernel's
 * barely does until its tile (32 rows) fills, so the two cross; 16 keeps decode, short prompts and short training
 * sequences on this side.
 */
export const SMALL_ROWS_MAX = 16;

/** Invocations a GPU wants in flight before a matMul stops being latency-bound; k is split until there are. */
const GPU_INVOCATIONS = 8192;
/** Fewest k values one split walks: below this the partial planes cost more than the parallelism gains. */
const MIN_SPLIT_K = 256;

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** How a product runs on the small-rows program, or null when tfjs's kernel should take it. */
export function smallRowsPlan(
  g: MatMulGeometry,
  attrs: MatMulAttrs,
  software: boolean,
): Omit<SmallRowsShape, 'outputShape'> | null {
  const rows = g.batch * g.m;
  if (attrs.transposeA || g.bBatch !== 1 || rows === 0 || rows > SMALL_ROWS_MAX || g.k === 0 || g.n === 0) {
    return null;
  }
  // vec4 loads: along k for W [n, k], along n for W [k, n].
  if (attrs.transposeB ? g.k % 4 !== 0 : g.n % 4 !== 0) return null;
  return { rows, k: g.k, n: g.n, transposeB: attrs.transposeB, splits: splitCount(g.k, g.n, software) };
}

/**
 * Slices of k: one on a software adapter (its few threads already have n / COLS invocations), else enough for
 * {@link GPU_INVOCATIONS} in flight, each slice at least {@link MIN_SPLIT_K} long.
 */
export function splitCount(k: number, n: number, software: boolean): number {
  if (software) return 1;
  const invocations = Math.ceil(n / SMALL_ROWS_COLS);
  const wanted = Math.ceil(GPU_INVOCATIONS / invocations);
  return Math.max(1, Math.min(wanted, Math.floor(k / MIN_SPLIT_K)));
}

/** k values per split, rounded up to whole vec4s. */
export function kSliceFor(k: number, splits: number): number {
  return Math.ceil(k / splits / 4) * 4;
}

const int = (v: number) => ({ type: 'int32', data: [v] });

/** Runs the plan; returns a new TensorInfo [...batchShape, m, n] owned by the caller. */
export function smallRowsMatMul(
  backend: WebGPUBackend,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  g: MatMulGeometry,
  plan: Omit<SmallRowsShape, 'outputShape'>,
): tf.TensorInfo {
  const outputShape = [...g.batchShape, g.m, g.n];
  const kSlice = kSliceFor(plan.k, plan.splits);
  // Rounding kSlice up can leave trailing slices empty: drop them.
  const splits = Math.ceil(plan.k / kSlice);
  const program = new SmallRowsMatMulProgram({ ...plan, splits, outputShape });
  const uniforms = [plan.rows, plan.k, plan.n, kSlice].map(int);
  const product = backend.runWebGPUProgram(program, [a, b], 'float32', uniforms);
  if (splits === 1) return product;
  try {
    const size = plan.rows * plan.n;
    return backend.runWebGPUProgram(new SplitSumProgram(outputShape, size), [product], 'float32', [
      int(size),
      int(splits),
    ]);
  } finally {
    backend.disposeData(product.dataId);
  }
}

/** The override of `stock` (tfjs's BatchMatMul for webgpu). */
export function batchMatMulWebGpuConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: { inputs: tf.NamedTensorInfoMap; backend: WebGPUBackend; attrs: MatMulAttrs }) => {
    const { a, b } = args.inputs;
    if (a && b && a.dtype === 'float32' && b.dtype === 'float32') {
      const g = matMulGeometry(a.shape, b.shape, args.attrs.transposeA, args.attrs.transposeB);
      const plan = smallRowsPlan(g, args.attrs, softwareAdapterKernels(args.backend));
      if (plan) return smallRowsMatMul(args.backend, a, b, g, plan);
    }
    return stock.kernelFunc(args as unknown as Parameters<tf.KernelFunc>[0]);
  };
  return { kernelName: tf.BatchMatMul, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
