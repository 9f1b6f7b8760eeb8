/**
 * Shape bookkeeping and the per-shape choice of path for the wasm `BatchMatMul` override
 * (see `batch-mat-mul-wasm.ts`). Pure functions on shapes: no tensors, no backend.
 *
 * tfjs-backend-wasm 4.22 gives a product to XNNPACK only when it is untransposed and both operands have one batch;
 * everything else runs a scalar blocked loop (measured 0.6–2.4 GFLOP/s against 7–19 GFLOP/s for XNNPACK on the
 * same shapes, Node 20, 1 thread). The override copies transposed operands into place and runs each batch slice on
 * XNNPACK. That costs a copy per transposed operand and an XNNPACK operator (weight packing) per slice, which does
 * not pay on tiny products (below 16³): there the stock kernel runs.
 */

/** Dimensions of `a·b` after the transpose flags, with the batch dims broadcast as tfjs broadcasts them. */
export interface MatMulGeometry {
  /** Rows of the output (of `a`, after `transposeA`). */
  m: number;
  /** Shared (contracted) dimension. */
  k: number;
  /** Columns of the output (of `b`, after `transposeB`). */
  n: number;
  /** Broadcast batch dims of the output (empty for 2-D). */
  batchShape: number[];
  /** Product of `batchShape` (1 for 2-D). */
  batch: number;
  /** `a`'s batch dims, left-padded with 1 to `batchShape.length`. */
  aBatchShape: number[];
  /** `b`'s batch dims, left-padded with 1 to `batchShape.length`. */
  bBatchShape: number[];
  /** Number of `a` matrices (product of its batch dims). */
  aBatch: number;
  /** Number of `b` matrices. */
  bBatch: number;
}

/** Which implementation runs one product. */
export type MatMulRoute =
  /** tfjs's own kernel: already on XNNPACK (untransposed, unbatched), empty, or too small to pay for copies. */
  | 'stock'
  /** `b` is one matrix: the batch of `a` folds into the rows of a single XNNPACK product. */
  | 'fold'
  /** One XNNPACK product per output batch slice (batched `b`, broadcasting as needed). */
  | 'slices'
  /**
   * Single matrices with `transposeB`: computes (a·bᵀ)ᵀ = b·aᵀ, where b as stored is already the row operand, then
   * transposes the [n, m] result. XNNPACK packs (copies) its weight operand on every call, so this trades packing
   * b (and copying it into place) for packing aᵀ and one output transpose: the way to go when m is small (a
   * decode step's x·Wᵀ has m = 1), see {@link foldCost} and {@link swapCost}.
   */
  | 'swap'
  /**
   * Few rows (m < {@link MIN_SLICE_ROWS}): our SIMD kernels (`mm_nt`/`mm_nn`, src/quant/kernels/wasm) straight on
   * the heap, one call per batch slice, no copy and no packing — decode's x·Wᵀ, attention against the KV cache,
   * RoPE's rotation of a few rows.
   */
  | 'rows'
  /**
   * Many rows (m ≥ {@link MIN_SLICE_ROWS}, n ≥ {@link MIN_GEMM_COLUMNS}) while XNNPACK has one thread: our 4 × 8-tile
   * GEMM (`gemm-wat.ts`, split across our kernel pool's threads where there are several) on the operands in place,
   * transposed ones moved by our SIMD transpose — 39–45 GFLOP/s a thread at the training shapes against XNNPACK's
   * 35–37 with a cached weight and 22–31 with one it packs per call.
   */
  | 'gemm';

/**
 * Smallest m·k·n (per product) worth a copy of a transposed operand and an XNNPACK call. Measured with
 * `bench/crossover/wasm-matmul-routes.node.ts` (Node 20 wasm SIMD, 1 thread, one core busy with another job):
 * at 8³ stock is 2.5–8× faster (fixed costs), at 16³ ours is 1.1× faster, at 32³ 2.7×, at 64³ 6–7×.
 */
export const MIN_FOLD_WORK = 16 * 16 * 16;

/**
 * Smallest m·k·n per batch slice worth its own XNNPACK operator (creation packs the slice's `b`). Same measurement,
 * 8 slices: 0.4–0.5× at 8³, 1.4–1.7× at 16³, 3.7–4× at 32³, 7–7.6× at 64³.
 */
export const MIN_SLICE_WORK = 16 * 16 * 16;

/**
 * Fewest rows (m) per batch slice for 'slices': each slice copies/packs its whole `b`, which a few rows cannot pay
 * back. A decode step's attention has m = query heads per KV head (1–8) against a cache of n keys: measured with
 * `bench/crossover/wasm-matmul-small-m.node.ts` (3 slices, k = 64), stock is 2–8× faster at m = 1–2 and
 * 0.5–1.05× at m = 4; slices wins from m = 8 (0.94–1.9×) and 3–5× at m = 16–32.
 */
export const MIN_SLICE_ROWS = 8;

/**
 * Largest k·n of an untransposed, unbatched `b` that the 'rows' route takes from stock XNNPACK: stock packs b into
 * an operator cached per tensor, which pays for a weight used again (the decode LM head, 1M values) but not for a
 * fresh small b (RoPE's per-step rotation matrices, 64×64: 15 µs per call on stock, measured in the decode profile).
 */
export const MAX_FRESH_B = 1 << 16;

/** Fewest output columns for 'gemm': its column panels are 8 (then 4) wide, narrower ones run a scalar loop. */
export const MIN_GEMM_COLUMNS = 8;

const product = (dims: readonly number[]): number => dims.reduce((x, y) => x * y, 1);

function leftPad(dims: readonly number[], rank: number): number[] {
  return [...new Array<number>(rank - dims.length).fill(1), ...dims];
}

/** Broadcasts two batch shapes like numpy/tfjs; throws on a mismatch (as tfjs does). */
export function broadcastBatch(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const pa = leftPad(a, rank);
  const pb = leftPad(b, rank);
  return pa.map((da, i) => {
    const db = pb[i];
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`matMul: batch dims [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    return da === 1 ? db : da;
  });
}

/** Geometry of `a·b` for rank ≥ 2 shapes; throws when the inner dims differ. */
export function matMulGeometry(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): MatMulGeometry {
  if (aShape.length < 2 || bShape.length < 2) throw new Error('matMul: operands must have rank ≥ 2');
  const [a0, a1] = aShape.slice(-2);
  const [b0, b1] = bShape.slice(-2);
  const m = transposeA ? a1 : a0;
  const k = transposeA ? a0 : a1;
  const kb = transposeB ? b1 : b0;
  const n = transposeB ? b0 : b1;
  if (k !== kb) {
    throw new Error(`matMul: inner dims ${k} and ${kb} of [${aShape.join(',')}] and [${bShape.join(',')}] differ`);
  }
  const aBatchDims = aShape.slice(0, -2);
  const bBatchDims = bShape.slice(0, -2);
  const batchShape = broadcastBatch(aBatchDims, bBatchDims);
  return {
    m,
    k,
    n,
    batchShape,
    batch: product(batchShape),
    aBatchShape: leftPad(aBatchDims, batchShape.length),
    bBatchShape: leftPad(bBatchDims, batchShape.length),
    aBatch: product(aBatchDims),
    bBatch: product(bBatchDims),
  };
}

/**
 * Index of the operand matrix that output batch `index` reads, for an operand with (padded) batch dims
 * `operandShape` broadcast to `batchShape` (row-major flat indices on both sides).
 */
export function operandBatchIndex(
  index: number,
  batchShape: readonly number[],
  operandShape: readonly number[],
): number {
  let rest = index;
  let flat = 0;
  let stride = 1;
  for (let d = batchShape.length - 1; d >= 0; d--) {
    const coord = rest % batchShape[d];
    rest = Math.floor(rest / batchShape[d]);
    if (operandShape[d] !== 1) flat += coord * stride;
    stride *= operandShape[d];
  }
  return flat;
}

/**
 * What XNNPACK's packing of one float of its weight operand costs against one float of our transposes
 * (`transpose-wat.ts`): packing runs at ~2.7–3.3 ns per float, measured with a fresh against a cached b
 * ([256, 768] to [7281, 576], Node wasm, 1 thread); our banded transpose at ~0.2–0.4 ns.
 */
export const PACK_COST = 8;

/** Cost of 'fold' on one product, in transposed floats: operands moved into place, then `b` packed by XNNPACK. */
export function foldCost(g: MatMulGeometry, transposeA: boolean, transposeB: boolean): number {
  return (transposeA ? g.m * g.k : 0) + (transposeB ? g.n * g.k : 0) + PACK_COST * g.k * g.n;
}

/** Cost of 'swap' (needs `transposeB`): `a` moved to [k, m] unless already so, packed, the output transposed. */
export function swapCost(g: MatMulGeometry, transposeA: boolean): number {
  return (transposeA ? 0 : g.m * g.k) + PACK_COST * g.m * g.k + g.m * g.n;
}

/**
 * Picks the path for one product (see {@link MatMulRoute}). `direct`: our kernels are loaded (false without wasm
 * SIMD, or another tfjs version); `gemm`: our GEMM may run (XNNPACK on one thread).
 */
export function chooseMatMulRoute(
  g: MatMulGeometry,
  transposeA: boolean,
  transposeB: boolean,
  direct = false,
  gemm = false,
): MatMulRoute {
  const work = g.m * g.k * g.n;
  if (work === 0 || g.batch === 0) return 'stock';
  const plain = !transposeA && !transposeB && g.aBatch === 1 && g.bBatch === 1;
  // a stored [k, m] is a [m, k] row block only when m = 1.
  const rowsFit = direct && g.m < MIN_SLICE_ROWS && (!transposeA || g.m === 1);
  if (rowsFit && (!plain || g.k * g.n <= MAX_FRESH_B)) return 'rows';
  if (direct && gemm && g.m >= MIN_SLICE_ROWS && g.n >= MIN_GEMM_COLUMNS && work >= MIN_FOLD_WORK) return 'gemm';
  // Stock already runs these on XNNPACK: nothing to gain, and identical results.
  if (plain) return 'stock';
  if (g.bBatch === 1) {
    if (work * g.batch < MIN_FOLD_WORK) return 'stock';
    const swap = transposeB && g.aBatch === 1 && swapCost(g, transposeA) < foldCost(g, transposeA, transposeB);
    return swap ? 'swap' : 'fold';
  }
  return work >= MIN_SLICE_WORK && g.m >= MIN_SLICE_ROWS ? 'slices' : 'stock';
}
