// RMSNorm as one op (wasm): its value against the composite ops and against the JS loop the SIMD rounds like; its
// gradient against the composite's (every row length, SIMD and JS; rank 2 and rank 4 like Qwen3's q/k norms); and a
// model's LoRA gradients unchanged with fewer kernels.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { maxRelError } from '../../quant/synthetic';
import { fusedRmsNorm, rmsNormKernelSettings } from './rms-norm-wasm';
import { loraModelCase } from '../../test-utils/lora-model-grads';
import { errorOverLargest } from '../../test-utils/tolerance';

/** RMSNorm composed of tfjs ops, as model/rms-norm.ts computes it without the op. */
const composite = (x: tf.Tensor, w: tf.Tensor, eps: number) =>
  tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), w);

describe('RMSNorm as one op on wasm', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
  });
  afterEach(() => {
    rmsNormKernelSettings.enabled = true;
  });

  it('RMSNorm over the last axis equals the composite ops (rank 2 and rank 4, like Qwen3 q/k norms)', () => {
    for (const shape of [
      [3, 96],
      [1, 2, 3, 64],
    ]) {
      const x = tf.randomNormal(shape, 0, 2, 'float32', 1);
      const w = tf.randomNormal([shape[shape.length - 1]], 1, 0.1, 'float32', 2) as tf.Tensor1D;
      const composite = tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), 1e-6))), w);
      const fused = fusedRmsNorm(x, w, 1e-6);
      expect(fused.shape).toEqual(shape);
      expect(maxRelError(fused.dataSync(), composite.dataSync())).toBeLessThan(1e-6);
      tf.dispose([x, w, composite, fused]);
    }
  });

  it('RMSNorm in wasm SIMD rounds as the JS loop does (float64 sum of squares): equal to it, rows of 96 and 576, and 30 (JS)', () => {
    for (const [rows, dim] of [
      [3, 96],
      [5, 576],
      [2, 30],
    ]) {
      const x = tf.randomNormal([rows, dim], 0, 3, 'float32', 3);
      const w = tf.randomNormal([dim], 1, 0.2, 'float32', 4) as tf.Tensor1D;
      const [xs, ws] = [x.dataSync() as Float32Array, w.dataSync() as Float32Array];
      const want = new Float32Array(rows * dim);
      for (let r = 0; r < rows; r++) {
        let sum = 0;
        for (let i = 0; i < dim; i++) sum += xs[r * dim + i] * xs[r * dim + i];
        const inv = Math.fround(1 / Math.sqrt(Math.fround(Math.fround(sum / dim) + 1e-5)));
        for (let i = 0; i < dim; i++) want[r * dim + i] = Math.fround(xs[r * dim + i] * inv) * ws[i];
      }
      const fused = fusedRmsNorm(x, w, 1e-5);
      expect(maxRelError(fused.dataSync(), want)).toBeLessThan(1e-7);
      tf.dispose([x, w, fused]);
    }
  });

  for (const shape of [
    [64, 576],
    [3, 30], // rows of 30: the JS loops
    [1, 2, 3, 64],
  ])
    it(`its gradient equals the composite's: x ${shape.join(' × ')}`, async () => {
      const dim = shape[shape.length - 1];
      const x = tf.randomNormal(shape, 0, 2, 'float32', 5);
      const w = tf.randomNormal([dim], 1, 0.2, 'float32', 6);
      const dy = tf.randomNormal(shape, 0, 1, 'float32', 7);
      const grads = (f: (x: tf.Tensor, w: tf.Tensor) => tf.Tensor) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a, b), dy)))([x, w]);
      const [dx, dw] = grads((a, b) => fusedRmsNorm(a, b as tf.Tensor1D, 1e-5));
      const [wantDx, wantDw] = grads((a, b) => composite(a, b, 1e-5));
      expect(errorOverLargest(await dx.data(), await wantDx.data())).toBeLessThan(1e-6);
      expect(errorOverLargest(await dw.data(), await wantDw.data())).toBeLessThan(1e-6);
      tf.dispose([x, w, dy, dx, dw, wantDx, wantDw]);
    });

  it('a model: LoRA loss and gradients unchanged, with fewer kernels', async () => {
    const { model, run, dispose } = await loraModelCase(0);
    const kernelCount = async () => (await tf.profile(run)).kernels.length;
    const fused = await run();
    const fusedKernels = await kernelCount();
    rmsNormKernelSettings.enabled = false;
    const want = await run();
    const compositeKernels = await kernelCount();
    expect(errorOverLargest(fused.loss, want.loss)).toBeLessThan(1e-6);
    for (const [i, g] of fused.grads.entries()) expect(errorOverLargest(g, want.grads[i])).toBeLessThan(1e-5);
    // Two norms a layer and the final one: one op forward and one backward each, for ~18 composite ones.
    expect(compositeKernels - fusedKernels).toBeGreaterThanOrEqual(10 * (2 * model.config.layers + 1));
    dispose();
  });
});
