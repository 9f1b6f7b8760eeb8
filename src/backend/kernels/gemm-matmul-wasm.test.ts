// The wasm BatchMatMul override's 'gemm' route (our 4 × 8-tile GEMM, gemm-wat.ts) against a float64 reference and
// tfjs's own kernels: ragged rows and columns (every tile and the scalar tail), both transpose flags, the (b·aᵀ)ᵀ
// form of x·Wᵀ, batched and broadcast operands, gradients, no leaks; and the route's choice by thread count.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { caseLabel, relErr, referenceMatMul, type MatMulCase } from '../../test-utils/matmul-reference';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { gemmSettings, gemmSwaps } from './gemm-matmul-wasm';
import { kernelPoolSettings } from './kernel-pool';
import { chooseMatMulRoute, matMulGeometry } from './matmul-route';
import { withStockWasmKernels } from './register-wasm';

const REL_TOL = 1e-5;

const CASES: MatMulCase[] = [
  { a: [64, 96], b: [96, 72], ta: false, tb: false }, // dy·W: whole tiles and panels
  { a: [13, 37], b: [37, 31], ta: false, tb: false }, // 1 row and 7 columns left: a 4-wide panel, a 3-column tail
  { a: [10, 37], b: [37, 14], ta: false, tb: false }, // 2 rows left, 6 columns left
  { a: [67, 1], b: [1, 63], ta: false, tb: false }, // 3 rows left, k = 1
  { a: [150, 40], b: [40, 11], ta: false, tb: false }, // a bigger than b: a's tiles outside, b packed whole
  { a: [64, 96], b: [160, 96], ta: false, tb: true }, // x·Wᵀ with W bigger than x: (W·xᵀ)ᵀ
  { a: [63, 40], b: [300, 40], ta: false, tb: true }, // the same at 63 rows: panels of 8, 4 and 3 columns
  { a: [64, 96], b: [16, 96], ta: false, tb: true }, // x·Aᵀ (LoRA A): A moved into place
  { a: [96, 64], b: [96, 40], ta: true, tb: false }, // xᵀ·dy (a weight gradient)
  { a: [96, 64], b: [200, 96], ta: true, tb: true }, // both transposed, W as stored
  { a: [3, 40, 64], b: [64, 48], ta: false, tb: false }, // a batch of x against one W
  { a: [2, 3, 40, 64], b: [1, 48, 64], ta: false, tb: true },
  { a: [4, 40, 32], b: [4, 36, 32], ta: false, tb: true }, // attention q·kᵀ
  { a: [4, 36, 40], b: [4, 36, 32], ta: true, tb: false }, // its key gradient
  { a: [2, 1, 40, 36], b: [1, 3, 36, 32], ta: false, tb: false }, // broadcast both ways
];

const label = caseLabel;

beforeAll(async () => {
  expect(await initNodeBackend('wasm')).toBe('wasm');
});

afterEach(() => {
  gemmSettings.enabled = true;
  kernelPoolSettings.xnnThreads = 1;
});

describe("wasm matMul 'gemm' route", () => {
  it.each(CASES)('equals float64 and the stock kernel: %#', (c) => {
    const g = matMulGeometry(c.a, c.b, c.ta, c.tb);
    expect(chooseMatMulRoute(g, c.ta, c.tb, true, true), label(c)).toBe('gemm');
    const a = tf.randomUniform(c.a, -1, 1, 'float32', 51);
    const b = tf.randomUniform(c.b, -1, 1, 'float32', 52);
    const before = tf.memory().numTensors;
    const ours = tf.matMul(a, b, c.ta, c.tb);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(relErr(ours.dataSync(), referenceMatMul(a, b, c.ta, c.tb)), `${label(c)} vs float64`).toBeLessThan(REL_TOL);
    const broadcastsBoth = c.a.length === 4 && c.a[0] !== c.b[0] && c.a[1] !== c.b[1];
    if (!broadcastsBoth) {
      const stock = withStockWasmKernels(() => tf.matMul(a, b, c.ta, c.tb));
      expect(relErr(ours.dataSync(), stock.dataSync()), `${label(c)} vs stock`).toBeLessThan(REL_TOL);
      stock.dispose();
    }
    tf.dispose([a, b, ours]);
  });

  it('takes (b·aᵀ)ᵀ only where moving b would copy more than a and the product', () => {
    const swaps = (a: number[], b: number[], ta: boolean, tb: boolean) =>
      gemmSwaps(matMulGeometry(a, b, ta, tb), ta, tb);
    expect(swaps([64, 576], [1536, 576], false, true)).toBe(true); // a projection's forward
    expect(swaps([64, 576], [16, 576], false, true)).toBe(false); // LoRA's A
    expect(swaps([64, 576], [576, 1536], false, false)).toBe(false); // no transpose at all
    expect(swaps([4, 40, 32], [4, 36, 32], false, true)).toBe(false); // a batched b
  });

  it('gives the stock gradients', () => {
    for (const c of CASES.filter((x) => x.a.length === x.b.length && x.a.length === 2)) {
      const a = tf.randomUniform(c.a, -1, 1, 'float32', 61);
      const b = tf.randomUniform(c.b, -1, 1, 'float32', 62);
      const g = matMulGeometry(c.a, c.b, c.ta, c.tb);
      const w = tf.randomUniform([g.m, g.n], -1, 1, 'float32', 63);
      const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.ta, c.tb), w));
      const ours = tf.grads(loss)([a, b]);
      const stock = withStockWasmKernels(() => tf.grads(loss)([a, b]));
      for (let i = 0; i < 2; i++)
        expect(relErr(ours[i].dataSync(), stock[i].dataSync()), `${label(c)} d${'ab'[i]}`).toBeLessThan(REL_TOL);
      tf.dispose([a, b, w, ...ours, ...stock]);
    }
  });

  it('is off with several XNNPACK threads (their pool wins) or when switched off, and then XNNPACK runs', () => {
    const g = matMulGeometry([64, 96], [96, 72], false, false);
    expect(chooseMatMulRoute(g, false, false, true, false)).toBe('stock');
    expect(chooseMatMulRoute(g, false, false, false, true)).toBe('stock'); // no SIMD kernels
    const a = tf.randomUniform([64, 96], -1, 1, 'float32', 71);
    const b = tf.randomUniform([96, 72], -1, 1, 'float32', 72);
    const viaGemm = tf.matMul(a, b);
    kernelPoolSettings.xnnThreads = 2;
    const viaXnn = tf.matMul(a, b);
    expect(relErr(viaGemm.dataSync(), viaXnn.dataSync())).toBeLessThan(REL_TOL);
    tf.dispose([a, b, viaGemm, viaXnn]);
  });

  it('leaks no tensors and no wasm heap', () => {
    const a = tf.randomUniform([8, 64, 96], -1, 1, 'float32', 81);
    const x = tf.randomUniform([64, 96], -1, 1, 'float32', 83);
    const w = tf.randomUniform([160, 96], -1, 1, 'float32', 82);
    const step = () => {
      tf.matMul(a, w, false, true).dispose(); // a batch against one W: W moved into place once
      // (W·xᵀ)ᵀ: transposes in and out; its gradients take the other forms
      const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.matMul(p, q, false, true)))([x, w]);
      tf.dispose(grads);
    };
    for (let i = 0; i < 5; i++) step();
    const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
    const before = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, heap: heap() };
    for (let i = 0; i < 50; i++) step();
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(tf.memory().numBytes).toBe(before.bytes);
    expect(heap()).toBe(before.heap);
    tf.dispose([a, x, w]);
  });
});
