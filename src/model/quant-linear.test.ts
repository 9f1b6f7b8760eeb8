import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { hostKernelSettings } from '../quant/kernels/host/quant-matmul-host';
import { createLinearFactory, createPackedLinear } from './linear-factory';
import type { Linear } from './linear';
import { PACKED_MODES, type GroupSize } from '../quant/packed';
import { QuantLinear } from './quant-linear';
import { checkPackedLinear, expectNoLeakAcrossApplyAndGrad } from '../test-utils/packed-linear-check';
import { quantize } from '../quant/quantize';
import { maxRelError, randomUniform, randomWeight, refForward } from '../quant/synthetic';

// Shapes deliberately off every tile and group size: in 33/72/96 vs groups 32/64/128, out 17/40/80.
const CASES: { out: number; inp: number; g: GroupSize }[] = [
  { out: 17, inp: 33, g: 32 },
  { out: 40, inp: 72, g: 64 },
  { out: 80, inp: 96, g: 128 },
];
const ROWS = [1, 3, 17];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`QuantLinear on ${backend}`, () => {
    beforeAll(async () => {
      expect(await initNodeBackend(backend)).toBe(backend);
    });

    for (const mode of PACKED_MODES) {
      it(`${mode}: forward and input gradient match x·dequant(W)ᵀ and dy·dequant(W), M = ${ROWS.join('/')}`, async () => {
        let seed = 11;
        for (const c of CASES)
          for (const m of ROWS) {
            const s = seed++;
            await checkPackedLinear(mode, c, m, s, s % 2 === 1); // odd seeds add a bias
          }
      });
    }

    it('multi-block path (transient decoded blocks smaller than W) gives the same result', async () => {
      const saved = hostKernelSettings.blockFloats;
      hostKernelSettings.blockFloats = 96 * 7; // 7-row blocks of a [40, 72]/[80, 96] weight
      try {
        await checkPackedLinear('int4', { out: 40, inp: 72, g: 64 }, 17, 5, true);
        await checkPackedLinear('nf4', { out: 80, inp: 96, g: 32 }, 9, 6, false);
      } finally {
        hostKernelSettings.blockFloats = saved;
      }
    });

    it('leaks no tensors across apply + grad', () => {
      expectNoLeakAcrossApplyAndGrad(createLinearFactory('int8')('t', randomWeight(20 * 40, 1), [20, 40], null), 5, 40);
    });
  });
}

describe('createLinearFactory', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });
  afterAll(() => tf.disposeVariables());

  it('f32 is a plain linear layer with exact results and gradient', () => {
    const w = randomWeight(12 * 20, 2);
    const b = randomUniform(12, 3);
    const lin = createLinearFactory('f32')('model.layers.0.self_attn.q_proj', w, [12, 20], b);
    expect(lin.mode).toBe('f32');
    expect(lin.byteSize).toBe((12 * 20 + 12) * 4);
    const xv = randomUniform(3 * 20, 4);
    const y = lin.apply(tf.tensor2d(xv, [3, 20]));
    expect(maxRelError(y.dataSync(), refForward(xv, w, 3, 20, 12, b))).toBeLessThan(1e-5);
    lin.dispose();
  });

  it('reports byteSize as words + scales + bias, and hands out the packed weight for caching', () => {
    const seen: string[] = [];
    const factory = createLinearFactory('nf4', { groupSize: 32, onPacked: (path) => seen.push(path) });
    const lin = factory('model.layers.1.mlp.up_proj', randomWeight(8 * 64, 5), [8, 64], randomUniform(8, 6));
    expect(lin.byteSize).toBe(8 * 8 * 4 + 8 * 2 * 4 + 8 * 4);
    expect(seen).toEqual(['model.layers.1.mlp.up_proj']);
    lin.dispose();
  });

  it('a packed weight read back from the device rebuilds an identical layer (cache path)', async () => {
    const w = randomWeight(10 * 50, 8);
    const lin = createLinearFactory('int4')('p', w, [10, 50], null) as QuantLinear;
    const packed = await lin.readPacked();
    expect(packed).toEqual(quantize(w, [10, 50], 'int4', 64));
    const again = createPackedLinear(packed, null);
    const x = tf.randomNormal([2, 50]) as tf.Tensor2D;
    expect(again.apply(x).dataSync()).toEqual(lin.apply(x).dataSync());
    lin.dispose();
    again.dispose();
  });

  it('survives being built inside a tf.tidy (the layer owns its tensors until dispose)', () => {
    const built: Linear[] = [];
    tf.tidy(() => {
      built.push(createLinearFactory('int4')('t', randomWeight(6 * 32, 3), [6, 32], randomUniform(6, 4)));
    });
    const lin = built[0];
    const y = lin.apply(tf.ones([1, 32]) as tf.Tensor2D);
    expect(y.shape).toEqual([1, 6]);
    lin.dispose();
  });

  it('names the module in errors and checks input shapes', () => {
    const factory = createLinearFactory('int8');
    expect(() => factory('model.layers.3.mlp.down_proj', new Float32Array(5), [2, 3], null)).toThrow(
      /model\.layers\.3\.mlp\.down_proj: .*needs 6/,
    );
    const lin = factory('q', randomWeight(4 * 8, 1), [4, 8], null);
    expect(() => lin.apply(tf.zeros([2, 9]) as tf.Tensor2D)).toThrow(/does not match \[rows, 8\]/);
    lin.dispose();
    expect(() => createLinearFactory('int4', { groupSize: 16 as never })).toThrow(/group size/);
  });
});
