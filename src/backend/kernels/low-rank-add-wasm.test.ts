import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { cachedGreedyDecode } from '../../test-utils/cached-decode';
import { loadModel } from '../../model/load';
import type { AdapterHook } from '../../model/linear';
import { modelFixtureFiles } from '../../test-utils/model-fixtures.node.js';
import { randomAdapter, stackOf } from '../../export/export-fixtures.node.js';
import { maxRelError } from '../../quant/synthetic';
import { specsOf } from '../../lora/config';
import { doraRowNorms } from '../../lora/dora';
import { LoraAdapter } from '../../lora/lora-adapter';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import { Rng } from '../../util/rng';
import { fusedLowRankAdd, LOW_RANK_ADD, lowRankAddSettings } from './low-rank-add-wasm';

describe('a LoRA delta as one wasm op in generation', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
  });
  afterEach(() => {
    lowRankAddSettings.enabled = true;
  });

  it('y + scale·(x·Aᵀ)·Bᵀ equals the composite ops, for one row and for many', () => {
    for (const [rows, inp, out, rank] of [
      [1, 96, 40, 8],
      [5, 33, 17, 3],
    ]) {
      const y = tf.randomNormal([rows, out], 0, 1, 'float32', 1) as tf.Tensor2D;
      const x = tf.randomNormal([rows, inp], 0, 1, 'float32', 2) as tf.Tensor2D;
      const a = tf.randomNormal([rank, inp], 0, 0.2, 'float32', 3) as tf.Tensor2D;
      const b = tf.randomNormal([out, rank], 0, 0.2, 'float32', 4) as tf.Tensor2D;
      const fused = fusedLowRankAdd(y, x, a, b, 1.5);
      const ref = tf.add(y, tf.mul(tf.matMul(tf.matMul(x, a, false, true), b, false, true), 1.5));
      expect(fused.shape).toEqual([rows, out]);
      expect(maxRelError(fused.dataSync(), ref.dataSync())).toBeLessThan(1e-6);
      tf.dispose([y, x, a, b, fused, ref]);
    }
  });

  it('one adapter, and a weighted stack of two: the composite path’s logits step after step; DoRA keeps the composite path', async () => {
    const m = await loadModel(modelFixtureFiles('qwen2'));
    const one = await randomAdapter(m, 1, { rank: 4, alpha: 8, targets: 'all-linear' }, 0.05);
    const two = await randomAdapter(m, 2, { rank: 2, alpha: 2, targets: ['q_proj', 'down_proj'] }, 0.05);
    const doraConfig = { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout: 0, useDora: true };
    const specs = specsOf(m.linears());
    const dora = LoraAdapter.create(doraConfig, specs, new Rng(3), await doraRowNorms(doraConfig, specs));
    const hooks: Array<[string, AdapterHook, boolean]> = [
      ['one adapter', one, true],
      [
        'a stack',
        stackOf([
          { adapter: one, weight: 0.7 },
          { adapter: two, weight: -1.2 },
        ]),
        true,
      ],
      ['DoRA', dora, false],
    ];
    for (const [what, hook, fusable] of hooks) {
      const fused = await cachedGreedyDecode(m, [3, 14, 15, 92], 5, hook);
      lowRankAddSettings.enabled = false;
      const composite = await cachedGreedyDecode(m, [3, 14, 15, 92], 5, hook);
      lowRankAddSettings.enabled = true;
      expect(fused.kernels.has(LOW_RANK_ADD), what).toBe(fusable);
      expect(composite.kernels.has(LOW_RANK_ADD), what).toBe(false);
      for (let s = 0; s < fused.logits.length; s++)
        expect(maxRelError(fused.logits[s], composite.logits[s]), `${what}, step ${s}`).toBeLessThan(1e-5);
    }
    // Outside generation (scoring, training) the composite ops run, whatever the hook
    const scored = await tf.profile(() => m.forward(tf.tensor2d([[3, 14, 15]], [1, 3], 'int32'), { hook: one }));
    expect(scored.kernels.some((k) => k.name === LOW_RANK_ADD)).toBe(false);
    (scored.result as tf.Tensor).dispose();
    for (const a of [one, two, dora]) a.dispose();
    m.dispose();
  });
});
