// The f32 product kernels on their own memory against a float64 reference: both few-row products and the many-row
// GEMM, both builds (plain SIMD, and relaxed with V8's flag set here as the CLI sets it), odd k and n (scalar
// tails), k = 1, and b much longer than one cache line of rows.
import v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { ROWS_MATMUL_MODULES } from './rows-matmul-modules.generated';
import { rowsMatMulKernels } from './rows-matmul-wasm';
import { relaxedBuildValid } from './wasm-kernel-module';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');

const SHAPES: Array<[m: number, k: number, n: number]> = [
  [1, 64, 185],
  [3, 64, 7],
  [2, 17, 5],
  [1, 259, 77],
  [7, 33, 3],
  [4, 1, 1],
  [1, 3, 9],
];

/** Float offsets of a product's operands and result in the test's memory. */
interface At {
  A: number;
  B: number;
  C: number;
}

/** a [m, k] and the k·n floats of b, at their offsets, with the test's values. */
function fillOperands(f: Float32Array, at: At, m: number, kk: number, n: number): void {
  for (let i = 0; i < m * kk; i++) f[at.A + i] = Math.sin(i * 1.3);
  for (let i = 0; i < n * kk; i++) f[at.B + i] = Math.cos(i * 0.7);
}

/** c [m, n] equals Σ_t a[i, t]·b[bAt(t, j)], summed in float64, within 1e-5 of 1 + |sum|. */
function expectReference(
  f: Float32Array,
  at: At,
  [m, kk, n]: readonly [number, number, number],
  bAt: (t: number, j: number) => number,
  label: string,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < kk; t++) s += f[at.A + i * kk + t] * f[at.B + bAt(t, j)];
      expect(Math.abs(f[at.C + i * n + j] - s), `${label} (${i},${j})`).toBeLessThan(1e-5 * (1 + Math.abs(s)));
    }
  }
}

describe('few-row f32 wasm kernels', () => {
  const flavours = relaxedBuildValid(ROWS_MATMUL_MODULES) ? (['simd', 'relaxed'] as const) : (['simd'] as const);
  for (const flavour of flavours) {
    it(`mm_nt and mm_nn (${flavour}) equal a float64 reference`, () => {
      const memory = new WebAssembly.Memory({ initial: 8 });
      const k = rowsMatMulKernels(memory, flavour);
      expect(k?.flavour).toBe(flavour);
      const f = new Float32Array(memory.buffer);
      const [A, B, C] = [0, 20000, 100000]; // float offsets of a, b, c
      for (const [m, kk, n] of SHAPES) {
        fillOperands(f, { A, B, C }, m, kk, n);
        for (const nt of [true, false]) {
          f.fill(Number.NaN, C, C + m * n);
          (nt ? k!.mm_nt : k!.mm_nn)(4 * A, 4 * B, 4 * C, m, kk, n);
          const bAt = nt ? (t: number, j: number) => j * kk + t : (t: number, j: number) => t * n + j;
          expectReference(f, { A, B, C }, [m, kk, n], bAt, `${nt ? 'nt' : 'nn'} [${m},${kk},${n}]`);
        }
      }
    });
  }

  // gemm_nn's two loop orders (a's tiles outside when a is the bigger), ragged rows (1–3) and columns (4-wide
  // panels, 1–3-column tails), and k not a multiple of anything; the relaxed build's fused multiply-adds round once
  // a step, the plain build's twice, and both stay within the reference's tolerance.
  const GEMM_SHAPES: Array<[m: number, k: number, n: number]> = [
    [64, 96, 72],
    [13, 37, 31],
    [10, 37, 14],
    [67, 1, 63],
    [150, 40, 11],
    [301, 29, 63],
  ];
  for (const flavour of flavours) {
    it(`gemm_nn (${flavour}) equals a float64 reference in both loop orders`, () => {
      const memory = new WebAssembly.Memory({ initial: 16 });
      const k = rowsMatMulKernels(memory, flavour);
      expect(k?.flavour).toBe(flavour);
      const f = new Float32Array(memory.buffer);
      const [A, B, C, PACK] = [0, 40000, 80000, 120000]; // float offsets of a, b, c and the packing scratch
      for (const [m, kk, n] of GEMM_SHAPES) {
        fillOperands(f, { A, B, C }, m, kk, n);
        f.fill(Number.NaN, C, C + m * n);
        const rowsOuter = m * kk > kk * n ? 1 : 0;
        k!.gemm_nn(4 * A, 4 * B, 4 * C, m, kk, n, kk, n, n, 4 * PACK, rowsOuter);
        expectReference(f, { A, B, C }, [m, kk, n], (t, j) => t * n + j, `[${m},${kk},${n}]`);
      }
    });
  }

  it('runs both builds here (the relaxed one behind V8’s flag)', () => {
    expect(flavours).toEqual(['simd', 'relaxed']);
  });

  it('binds once per memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    expect(rowsMatMulKernels(memory)).toBe(rowsMatMulKernels(memory));
  });
});
