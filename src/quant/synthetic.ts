/**
 * Seeded synthetic weights and inputs, and float64 reference products, for the quant tests (unit, host kernels,
 * webgpu kernels) and the benchmark. References are computed from the plain-JS `dequantize`, never from the code
 * under test.
 */
import { mulberry32 as rng } from '../util/rng';
import type { GroupSize } from './packed';

export { rng };

/** Normal(0, std) values (Box–Muller), like trained weights; a few rows get an outlier to stress absmax. */
export function randomWeight(n: number, seed: number, std = 0.05): Float32Array {
  const next = rng(seed);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(next(), 1e-12);
    w[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  }
  return w;
}

/** Uniform [-1, 1) values. */
export function randomUniform(n: number, seed: number): Float32Array {
  const next = rng(seed);
  return Float32Array.from({ length: n }, () => next() * 2 - 1);
}

/** y [m, out] = x [m, in] · Wᵀ (+ b), accumulated in float64. */
export function refForward(
  x: Float32Array,
  w: Float32Array,
  m: number,
  inp: number,
  out: number,
  bias?: Float32Array | null,
): Float64Array {
  const y = new Float64Array(m * out);
  for (let r = 0; r < m; r++) {
    for (let o = 0; o < out; o++) {
      let s = bias ? bias[o] : 0;
      for (let c = 0; c < inp; c++) s += x[r * inp + c] * w[o * inp + c];
      y[r * out + o] = s;
    }
  }
  return y;
}

/** Row-major float64 product [m, k]·[k, n] → [m, n]; dx [m, in] = dy [m, out] · W [out, in] is (dy, W, m, out, in). */
export function referenceMatmul(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += av * b[p * n + j];
    }
  }
  return out;
}

/** Largest |a - b| relative to the largest |b| (1 when b is all zeros): a scale-free kernel error. */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  return maxDiff / (maxRef || 1);
}

/**
 * GEMV shapes that hit every edge of the packed kernels: ragged last groups (33, 100, 200 columns against groups of
 * 32/64/128), odd output counts, each group size, and one real width (576).
 */
export const RAGGED_GEMV_SHAPES: readonly { out: number; inp: number; g: GroupSize }[] = [
  { out: 1, inp: 32, g: 32 },
  { out: 17, inp: 33, g: 32 },
  { out: 40, inp: 100, g: 64 },
  { out: 9, inp: 200, g: 128 },
  { out: 64, inp: 576, g: 64 },
];
