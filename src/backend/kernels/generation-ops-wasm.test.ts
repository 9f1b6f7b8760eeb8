import { beforeAll, describe, expect, it } from 'vitest';
import { asGeneration } from '../generation-scope';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { loadModel } from '../../model/load';
import { modelFixtureFiles } from '../../test-utils/model-fixtures.node.js';
import { maxRelError } from '../../quant/synthetic';
import { fusedRmsNorm, fusedSwiGlu, RMS_NORM, SWIGLU } from './generation-ops-wasm';

describe('fused generation ops on wasm', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
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

  it('SwiGLU (SIMD, polynomial e^x) is within float rounding of silu(gate) ⊙ up, extremes and a ragged tail included', () => {
    const g = [-200, -88.5, -88, -30, -1e-3, 0, 1e-3, 0.7, 30, 88, 88.5, 200, -5, 5, 2.5];
    const gate = tf.tensor2d(g, [1, g.length]);
    const up = tf.tensor2d(
      g.map((_, i) => (i % 3) - 1.25),
      [1, g.length],
    );
    const fused = fusedSwiGlu(gate, up).dataSync();
    const u = up.dataSync();
    g.forEach((x, i) => {
      const ref = (x / (1 + Math.exp(-x))) * u[i];
      expect(Math.abs(fused[i] - ref), `g = ${x}`).toBeLessThanOrEqual(2e-7 * Math.abs(ref) + 1e-30);
    });
    tf.dispose([gate, up]);
  });

  it('SwiGLU equals silu(gate) ⊙ up', () => {
    const gate = tf.randomNormal([2, 300], 0, 3, 'float32', 3) as tf.Tensor2D;
    const up = tf.randomNormal([2, 300], 0, 1, 'float32', 4) as tf.Tensor2D;
    const composite = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
    const fused = fusedSwiGlu(gate, up);
    expect(maxRelError(fused.dataSync(), composite.dataSync())).toBeLessThan(1e-6);
    tf.dispose([gate, up, composite, fused]);
  });

  it('a model forward uses them inside generation only, with logits equal to the composite path', async () => {
    const model = await loadModel(modelFixtureFiles('qwen3'));
    const ids = () => tf.tensor2d([[3, 14, 15, 92, 65]], [1, 5], 'int32');
    const kernelsOf = async (f: () => tf.Tensor) => {
      let out: Float32Array = new Float32Array();
      const p = await tf.profile(() => {
        const t = f();
        out = t.dataSync() as Float32Array;
        return t;
      });
      return { names: new Set(p.kernels.map((k) => k.name)), out };
    };
    const inGen = await kernelsOf(() => asGeneration(() => model.forward(ids())));
    const plain = await kernelsOf(() => model.forward(ids()));
    expect(inGen.names.has(RMS_NORM) && inGen.names.has(SWIGLU)).toBe(true);
    expect(plain.names.has(RMS_NORM) || plain.names.has(SWIGLU)).toBe(false);
    expect(maxRelError(inGen.out, plain.out)).toBeLessThan(1e-5);
    model.dispose();
  });
});
