import { beforeAll, describe, expect, it } from 'vitest';
import { asGeneration } from '../generation-scope';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { loadModel } from '../../model/load';
import { modelFixtureFiles } from '../../test-utils/model-fixtures.node.js';
import { maxRelError } from '../../quant/synthetic';
import { fusedSwiGlu, SWIGLU } from './generation-ops-wasm';
import { RMS_NORM } from './rms-norm-wasm';

describe('fused SwiGLU on wasm', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
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

  it('a model forward uses SwiGLU inside generation only (RMSNorm everywhere), with logits equal to the composite path', async () => {
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
    expect(plain.names.has(RMS_NORM) && !plain.names.has(SWIGLU)).toBe(true);
    expect(maxRelError(inGen.out, plain.out)).toBeLessThan(1e-5);
    model.dispose();
  });
});
