import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { createLinearFactory } from './linear-factory';
import {
  goldenLogProbs,
  goldenQuantizedLogProbs,
  modelFixtureFiles,
  type ModelFixture,
} from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff } from '../test-utils/tolerance';
import { initNodeWebGpu } from '../test-utils/webgpu.node.js';
import { loadModel } from './load';

// The same float64 PyTorch goldens as golden.test.ts, through the tfjs WebGPU backend (SwiftShader in CI).
describe('golden log-probs (webgpu)', () => {
  beforeAll(async () => {
    expect(await initNodeWebGpu()).toBe(true);
  });

  for (const name of ['qwen3'] as ModelFixture[]) {
    it(`${name} matches PyTorch within 1e-4, KV cache included`, async () => {
      expect(tf.getBackend()).toBe('webgpu');
      const model = await loadModel(modelFixtureFiles(name));
      const seq = goldenLogProbs(name)[2];
      expect(maxAbsDiff(await model.logProbs(seq.ids), seq.logprobs)).toBeLessThan(1e-4);
      // Decode the last token through the cache and compare its log-prob with the golden one.
      const n = seq.ids.length;
      const cache = model.createCache(1, n);
      const logits = tf.tidy(() => {
        model.forward(tf.tensor2d([seq.ids.slice(0, n - 2)], [1, n - 2], 'int32'), { cache });
        const last = model.forward(tf.tensor2d([[seq.ids[n - 2]]], [1, 1], 'int32'), { cache }); // [1, 1, vocab]
        return tf.logSoftmax(last.reshape([-1]));
      });
      const lp = (await logits.data())[seq.ids[n - 1]];
      expect(Math.abs(lp - (seq.logprobs[n - 1] as number))).toBeLessThan(1e-4);
      tf.dispose(logits);
      cache.dispose();
      model.dispose();
    });
  }

  it('qwen3 nf4 through the WGSL kernels matches PyTorch on the same quantized weights', async () => {
    for (const mode of ['nf4'] as const) {
      const model = await loadModel(modelFixtureFiles('qwen3'), {
        linearFactory: createLinearFactory(mode, { groupSize: 64 }),
      });
      const seq = goldenQuantizedLogProbs('qwen3', mode)[1];
      expect(maxAbsDiff(await model.logProbs(seq.ids), seq.logprobs)).toBeLessThan(1e-4);
      model.dispose();
    }
  });

  it("llama-bf16 with embeddings 'f16' (packed f16 LM head on WGSL) is lossless", async () => {
    const model = await loadModel(modelFixtureFiles('llama-bf16'), { embeddings: 'f16' });
    const seq = goldenLogProbs('llama-bf16')[0];
    expect(maxAbsDiff(await model.logProbs(seq.ids), seq.logprobs)).toBeLessThan(1e-4);
    model.dispose();
  });
});

// #13: WebGPU's gather returns a zero row for an out-of-range id; the host check must fire first.
describe('embedding lookup on webgpu', () => {
  it('refuses an id ≥ vocab instead of embedding zeros', async () => {
    expect(await initNodeWebGpu()).toBe(true);
    const model = await loadModel(modelFixtureFiles('llama-tied'));
    const ids = tf.tensor2d([[1, 300]], [1, 2], 'int32');
    try {
      expect(() => model.forward(ids)).toThrow(/embedding lookup: token id 300 is outside the vocabulary \[0, 256\)/);
      await expect(model.logProbs([1, 300])).rejects.toThrow(/token id 300 is outside the vocabulary/);
    } finally {
      ids.dispose();
      model.dispose();
    }
  });
});
