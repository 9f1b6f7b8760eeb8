// The wasm BatchMatMul/_FusedMatMul overrides against tfjs's own kernels and a float64 reference: every route
// (fold, swap, slices, rows, stock fallback; our GEMM switched off), both transpose flags, batched and broadcast batch dims, gradients, no leaks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { caseLabel, relErr, referenceMatMul as reference, type MatMulCase } from '../../test-utils/matmul-reference';
import { gemmSettings } from './gemm-matmul-wasm';
import { chooseMatMulRoute, matMulGeometry, type MatMulRoute } from './matmul-route';
import {
  registerWasmKernelOverrides,
  unregisterWasmKernelOverrides,
  wasmKernelOverridesActive,
  withStockWasmKernels,
} from './register-wasm';

const REL_TOL = 1e-5;

type Case = MatMulCase & { route: MatMulRoute };

const CASES: Case[] = [
  { a: [96, 80], b: [72, 80], ta: false, tb: true, route: 'fold' }, // x·Wᵀ (LoRA down)
  { a: [80, 96], b: [80, 72], ta: true, tb: false, route: 'fold' }, // xᵀ·dy (weight gradient)
  { a: [80, 96], b: [72, 80], ta: true, tb: true, route: 'fold' }, // packing bᵀ (k·n) is cheaper than a (m·k)
  { a: [80, 16], b: [72, 80], ta: true, tb: true, route: 'swap' }, // (b·a)ᵀ: no operand copy at all
  { a: [1, 96], b: [72, 96], ta: false, tb: true, route: 'swap' }, // decode x·Wᵀ: W stays as stored
  { a: [6, 96], b: [80, 96], ta: false, tb: true, route: 'swap' },
  { a: [1, 6, 96], b: [1, 80, 96], ta: false, tb: true, route: 'swap' },
  { a: [96, 1], b: [72, 96], ta: true, tb: true, route: 'swap' },
  { a: [3, 40, 64], b: [64, 48], ta: false, tb: false, route: 'fold' }, // batched x · single W
  { a: [3, 64, 40], b: [48, 64], ta: true, tb: true, route: 'fold' },
  { a: [2, 3, 40, 64], b: [1, 48, 64], ta: false, tb: true, route: 'fold' },
  { a: [4, 40, 32], b: [4, 36, 32], ta: false, tb: true, route: 'slices' }, // attention q·kᵀ
  { a: [4, 36, 40], b: [4, 36, 32], ta: true, tb: false, route: 'slices' }, // its key gradient
  { a: [4, 40, 36], b: [4, 36, 32], ta: false, tb: false, route: 'slices' }, // p·v (batched, untransposed)
  { a: [4, 36, 40], b: [4, 32, 36], ta: true, tb: true, route: 'slices' },
  { a: [2, 1, 40, 36], b: [1, 3, 36, 32], ta: false, tb: false, route: 'slices', stockWrong: true }, // broadcasts both ways
  { a: [40, 36], b: [3, 32, 36], ta: false, tb: true, route: 'slices' }, // 2-D a against a batch
  { a: [1, 40, 36], b: [2, 2, 36, 32], ta: false, tb: false, route: 'slices' },
  { a: [12, 10], b: [8, 10], ta: false, tb: true, route: 'stock' }, // too small to pay for a copy
  { a: [3, 12, 10], b: [3, 8, 10], ta: false, tb: true, route: 'stock' },
  { a: [64, 48], b: [48, 40], ta: false, tb: false, route: 'stock' }, // already on XNNPACK
];

const label = caseLabel;

beforeAll(async () => {
  expect(await initNodeBackend('wasm')).toBe('wasm');
});

describe('wasm matMul overrides', () => {
  // These cases check the XNNPACK routes; gemm-matmul-wasm.test.ts checks our GEMM on the same products.
  beforeAll(() => {
    gemmSettings.enabled = false;
  });
  afterAll(() => {
    gemmSettings.enabled = true;
  });

  it('are registered by initNodeBackend and can be removed and restored', () => {
    expect(wasmKernelOverridesActive()).toBe(true);
    unregisterWasmKernelOverrides();
    expect(wasmKernelOverridesActive()).toBe(false);
    expect(registerWasmKernelOverrides()).toBe(true);
    expect(registerWasmKernelOverrides()).toBe(true); // idempotent: never wraps itself
    expect(wasmKernelOverridesActive()).toBe(true);
  });

  it.each(CASES)('$route: %#', (c) => {
    expect(chooseMatMulRoute(matMulGeometry(c.a, c.b, c.ta, c.tb), c.ta, c.tb), label(c)).toBe(c.route);
    const a = tf.randomUniform(c.a, -1, 1, 'float32', 11);
    const b = tf.randomUniform(c.b, -1, 1, 'float32', 12);
    const ours = tf.matMul(a, b, c.ta, c.tb);
    const stock = withStockWasmKernels(() => tf.matMul(a, b, c.ta, c.tb));
    expect(ours.shape).toEqual(stock.shape);
    const exact = reference(a, b, c.ta, c.tb);
    expect(relErr(ours.dataSync(), exact), `${label(c)} vs float64`).toBeLessThan(REL_TOL);
    if (!c.stockWrong) expect(relErr(ours.dataSync(), stock.dataSync()), `${label(c)} vs stock`).toBeLessThan(REL_TOL);
    tf.dispose([a, b, ours, stock]);
  });

  it.each(
    [
      { a: [1, 2, 2, 64], b: [1, 2, 37, 64], ta: false, tb: true }, // decode attention q·kᵀ
      { a: [1, 2, 2, 37], b: [1, 2, 37, 64], ta: false, tb: false }, // its p·v
      { a: [1, 3, 3, 19], b: [1, 3, 19, 30], ta: false, tb: false }, // odd k and n (scalar tails)
      { a: [2, 1, 5, 33], b: [1, 3, 7, 33], ta: false, tb: true }, // batch dims broadcast both ways
      { a: [1, 259], b: [77, 259], ta: false, tb: true }, // decode x·Wᵀ, k = 16·16 + 3
      { a: [259, 1], b: [77, 259], ta: true, tb: true }, // the same row stored [k, 1]
      { a: [7, 65], b: [65, 63], ta: false, tb: false }, // 7 rows, a fresh small b
      { a: [3, 1], b: [5, 1], ta: false, tb: true }, // k = 1
    ].map((c): Case => ({ ...c, route: 'rows' })),
  )("'rows' (our SIMD kernels) equals float64 and stock: %#", (c) => {
    expect(chooseMatMulRoute(matMulGeometry(c.a, c.b, c.ta, c.tb), c.ta, c.tb, true), label(c)).toBe('rows');
    const a = tf.randomUniform(c.a, -1, 1, 'float32', 41);
    const b = tf.randomUniform(c.b, -1, 1, 'float32', 42);
    const before = tf.memory().numTensors;
    const ours = tf.matMul(a, b, c.ta, c.tb);
    expect(tf.memory().numTensors).toBe(before + 1);
    const stock = withStockWasmKernels(() => tf.matMul(a, b, c.ta, c.tb));
    expect(ours.shape).toEqual(stock.shape);
    expect(relErr(ours.dataSync(), reference(a, b, c.ta, c.tb)), `${label(c)} vs float64`).toBeLessThan(REL_TOL);
    const broadcastsBoth = c.a.length === 4 && c.a[0] !== c.b[0] && c.a[1] !== c.b[1];
    if (!broadcastsBoth)
      expect(relErr(ours.dataSync(), stock.dataSync()), `${label(c)} vs stock`).toBeLessThan(REL_TOL);
    tf.dispose([a, b, ours, stock]);
  });

  it('gives the same gradients as the stock kernels', () => {
    // tfjs-core's BatchMatMul gradient does not reduce broadcast batch dims (it throws on any kernel): equal batches only.
    const cases = CASES.filter((c) => {
      const g = matMulGeometry(c.a, c.b, c.ta, c.tb);
      return c.route !== 'stock' && g.aBatch === g.batch && g.bBatch === g.batch && c.a.length === c.b.length;
    });
    expect(cases.length).toBeGreaterThanOrEqual(7);
    for (const c of cases) {
      const a = tf.randomUniform(c.a, -1, 1, 'float32', 21);
      const b = tf.randomUniform(c.b, -1, 1, 'float32', 22);
      const g = matMulGeometry(c.a, c.b, c.ta, c.tb);
      const w = tf.randomUniform([...g.batchShape, g.m, g.n], -1, 1, 'float32', 23); // weights a scalar loss
      const loss = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y, c.ta, c.tb), w));
      const ours = tf.grads(loss)([a, b]);
      const stock = withStockWasmKernels(() => tf.grads(loss)([a, b]));
      for (let i = 0; i < 2; i++) {
        expect(ours[i].shape).toEqual(stock[i].shape);
        expect(relErr(ours[i].dataSync(), stock[i].dataSync()), `${label(c)} d${'ab'[i]}`).toBeLessThan(REL_TOL);
      }
      tf.dispose([a, b, w, ...ours, ...stock]);
    }
  });

  it.each([
    { a: [80, 96], b: [72, 80], ta: true, tb: true }, // single matrices: copied into place, XNNPACK fuses the rest
    { a: [3, 40, 100], b: [3, 100, 30], ta: false, tb: false }, // batched: matMul, Add, activation
    { a: [3, 100, 40], b: [30, 100], ta: true, tb: true },
  ])('fused matMul with bias and every activation equals the unfused ops: %#', (c) => {
    const a = tf.randomUniform(c.a, -1, 1, 'float32', 31);
    const b = tf.randomUniform(c.b, -1, 1, 'float32', 32);
    const n = c.tb ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
    const bias = tf.randomUniform([n], -1, 1, 'float32', 33);
    const alpha = tf.randomUniform([n], 0, 1, 'float32', 34);
    const plain = tf.add(tf.matMul(a, b, c.ta, c.tb), bias);
    const expected: Record<string, tf.Tensor> = {
      linear: plain,
      relu: tf.relu(plain),
      relu6: tf.relu6(plain),
      elu: tf.elu(plain),
      sigmoid: tf.sigmoid(plain),
      leakyrelu: tf.leakyRelu(plain, 0.3),
      prelu: tf.prelu(plain, alpha),
    };
    for (const [activation, want] of Object.entries(expected)) {
      const got = tf.fused.matMul({
        a,
        b,
        transposeA: c.ta,
        transposeB: c.tb,
        bias,
        activation: activation as tf.fused.Activation,
        preluActivationWeights: alpha,
        leakyreluAlpha: 0.3,
      });
      expect(got.shape).toEqual(want.shape);
      expect(relErr(got.dataSync(), want.dataSync()), activation).toBeLessThan(REL_TOL);
      got.dispose();
    }
    tf.dispose([a, b, bias, alpha, ...Object.values(expected)]);
  });

  it('leaks no tensors and no wasm heap (views and XNNPACK operators are released)', () => {
    const a = tf.randomUniform([8, 128, 128], -1, 1, 'float32', 41);
    const b = tf.randomUniform([8, 128, 128], -1, 1, 'float32', 42);
    const w = tf.randomUniform([128, 128], -1, 1, 'float32', 43);
    const step = () => {
      tf.matMul(a, b, false, true).dispose(); // slices: 8 operators packed per call
      tf.matMul(a, w, true, false).dispose(); // fold
      const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, true, true)))([a, b]);
      tf.dispose(grads);
    };
    for (let i = 0; i < 10; i++) step();
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    const before = { tensors: tf.memory().numTensors, bytes: tf.memory().numBytes, heap: heap.buffer.byteLength };
    // 100 steps would leak ≥ 100 · 8 · 128·128·4 B ≈ 50 MB of packed weights if operators were kept.
    for (let i = 0; i < 100; i++) step();
    const heapNow = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(tf.memory().numBytes).toBe(before.bytes);
    expect(heapNow.buffer.byteLength).toBe(before.heap);
    tf.dispose([a, b, w]);
  });
});
