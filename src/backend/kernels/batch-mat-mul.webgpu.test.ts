// The few-rows BatchMatMul on WebGPU (Dawn on SwiftShader in Node; VK_ICD_FILENAMES as scripts/test.sh sets it):
// which products it takes, and that it gives tfjs's sums (1e-5 relative) for both weight layouts, ragged column
// counts, folded batches, split k (the GPU decomposition, forced here) and through a gradient.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initDawnWebGpu } from '../../quant/webgpu-dawn.node.js';
import { tf } from '../tf';
import { kSliceFor, smallRowsMatMul, smallRowsPlan, splitCount, SMALL_ROWS_MAX } from './batch-mat-mul-webgpu';
import { matMulGeometry } from './matmul-route';
import { rowBlockFor } from './small-rows-matmul-program';

let stock: tf.KernelConfig;

beforeAll(async () => {
  await initDawnWebGpu();
  stock = (tf.getKernel('BatchMatMul', 'webgpu') as tf.KernelConfig & { stock: tf.KernelConfig }).stock;
}, 120_000);

afterEach(() => vi.restoreAllMocks());

/** Deterministic values in [-1, 1) with no pattern aligned to 4 or 8. */
function values(size: number, seed: number): Float32Array {
  return Float32Array.from({ length: size }, (_, i) => (((i * 37 + seed * 101) % 199) - 99.5) / 100);
}

/** tfjs's own kernel on the same inputs. */
async function stockProduct(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean) {
  const info = stock.kernelFunc({
    inputs: { a, b },
    backend: tf.backend(),
    attrs: { transposeA, transposeB },
  }) as tf.TensorInfo;
  const t = tf.engine().makeTensorFromTensorInfo(info);
  const out = await t.data();
  t.dispose();
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1 + Math.abs(expected[i])));
  }
  expect(worst).toBeLessThan(1e-5);
}

/** Shader keys of the programs the backend runs during `fn`. */
async function programsRun(fn: () => Promise<void>): Promise<string[]> {
  const backend = tf.backend() as WebGPUBackend;
  const spy = vi.spyOn(backend, 'runWebGPUProgram');
  await fn();
  return spy.mock.calls.map((call) => (call[0] as WebGPUProgram).shaderKey);
}

describe('smallRowsPlan', () => {
  const plan = (a: number[], b: number[], transposeA: boolean, transposeB: boolean, software = true) =>
    smallRowsPlan(matMulGeometry(a, b, transposeA, transposeB), { transposeA, transposeB }, software);

  it('takes few-row products against one matrix, in both weight layouts and with a folded batch', () => {
    expect(plan([8, 896], [4864, 896], false, true)).toMatchObject({ rows: 8, k: 896, n: 4864, splits: 1 });
    expect(plan([8, 4864], [4864, 896], false, false)).toMatchObject({ rows: 8, transposeB: false });
    expect(plan([2, 3, 12], [20, 12], false, true)).toMatchObject({ rows: 6 });
    expect(plan([1, 64], [1, 64, 32], false, false)).toMatchObject({ rows: 1 });
  });

  it('leaves the rest to tfjs: many rows, a transposed or batched right-hand matrix, unaligned k or n', () => {
    expect(plan([SMALL_ROWS_MAX + 1, 64], [64, 64], false, true)).toBeNull();
    expect(plan([64, 8], [64, 64], true, false)).toBeNull();
    expect(plan([2, 4, 64], [2, 64, 64], false, false)).toBeNull();
    expect(plan([4, 30], [64, 30], false, true)).toBeNull(); // k not a multiple of 4
    expect(plan([4, 64], [64, 30], false, false)).toBeNull(); // n not a multiple of 4
  });

  it('splits k only on a GPU, to keep thousands of invocations in flight', () => {
    expect(splitCount(896, 4864, true)).toBe(1);
    expect(splitCount(896, 4864, false)).toBe(3); // 608 invocations want 14 splits; 896 / 256 allows 3
    expect(splitCount(151936, 896, false)).toBe(74); // 112 invocations × 74 ≥ 8192
    expect(splitCount(64, 8, false)).toBe(1);
    expect(kSliceFor(20, 3)).toBe(8);
  });
});

describe('BatchMatMul on webgpu, few rows', () => {
  const cases: Array<[a: number[], b: number[], transposeB: boolean]> = [
    [[1, 64], [37, 64], true], // decode: one row; 37 columns leave a ragged last invocation
    [[3, 36], [20, 36], true],
    [[8, 128], [96, 128], true],
    [[16, 32], [40, 32], true],
    [[2, 5, 16], [24, 16], true], // a batch folded into 10 rows
    [[5, 40], [40, 12], false], // an input gradient dy · W
    [[13, 52], [52, 36], false],
    [[1, 3, 24], [24, 8], false],
  ];

  for (const [aShape, bShape, transposeB] of cases) {
    it(`[${aShape}] · [${bShape}]${transposeB ? 'ᵀ' : ''} equals tfjs's kernel and runs the few-rows program`, async () => {
      const a = tf.tensor(
        values(
          aShape.reduce((x, y) => x * y),
          1,
        ),
        aShape,
      );
      const b = tf.tensor(
        values(
          bShape.reduce((x, y) => x * y),
          2,
        ),
        bShape,
      );
      let ours: Float32Array | null = null;
      const keys = await programsRun(async () => {
        const y = tf.matMul(a, b, false, transposeB);
        expect(y.shape).toEqual([...aShape.slice(0, -1), transposeB ? bShape[0] : bShape[1]]);
        ours = (await y.data()) as Float32Array;
        y.dispose();
      });
      const rows = aShape.slice(0, -1).reduce((x, y) => x * y);
      expect(keys).toHaveLength(1);
      // tfjs appends the shapes and layouts to the program's key.
      expect(keys[0]).toMatch(new RegExp(`^lsSmallRowsMatMul_${rowBlockFor(rows)}_${transposeB}_`));
      expectClose(ours!, await stockProduct(a, b, false, transposeB));
      tf.dispose([a, b]);
    });
  }

  it('adds up k split into slices (how it runs on a GPU), dropping slices that rounding leaves empty', async () => {
    for (const [aShape, bShape, transposeB, splits] of [
      [[4, 20], [12, 20], true, 3], // kSlice 8: slices of 8, 8, 4
      [[7, 300], [300, 16], false, 4],
      [[2, 64], [8, 64], true, 16], // kSlice 4: all 16 slices used
    ] as Array<[number[], number[], boolean, number]>) {
      const a = tf.tensor(values(aShape[0] * aShape[1], 3), aShape);
      const b = tf.tensor(values(bShape[0] * bShape[1], 4), bShape);
      const g = matMulGeometry(a.shape, b.shape, false, transposeB);
      const plan = { rows: g.m, k: g.k, n: g.n, transposeB, splits };
      const backend = tf.backend() as WebGPUBackend;
      const t = tf.engine().makeTensorFromTensorInfo(smallRowsMatMul(backend, a, b, g, plan));
      expectClose(await t.data(), await stockProduct(a, b, false, transposeB));
      tf.dispose([a, b, t]);
    }
  });

  it('leaves a transposed left operand and batched products to tfjs', async () => {
    const a = tf.tensor(values(8 * 16, 5), [8, 16]);
    const b = tf.tensor(values(8 * 12, 6), [8, 12]);
    const q = tf.tensor(values(2 * 4 * 8, 7), [2, 4, 8]);
    const keys = await programsRun(async () => {
      tf.dispose([tf.matMul(a, b, true, false), tf.matMul(q, q, false, true)]);
    });
    expect(keys.some((k) => k.startsWith('lsSmallRows'))).toBe(false);
    tf.dispose([a, b, q]);
  });

  it("gives the Linear's input gradient dy · W through tf.grad", async () => {
    const x = tf.tensor(values(6 * 32, 8), [6, 32]);
    const w = tf.tensor(values(24 * 32, 9), [24, 32]);
    const dy = tf.tensor(values(6 * 24, 10), [6, 24]);
    const dx = tf.grad((xi: tf.Tensor) => tf.matMul(xi, w, false, true).mul(dy).sum())(x);
    expectClose(await dx.data(), await stockProduct(dy, w, false, false));
    tf.dispose([x, w, dy, dx]);
  });
});
