import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { goldenLogProbs, modelFixtureFiles, type ModelFixture } from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff, meanAbsDiff } from '../test-utils/tolerance';
import { loadModel } from './load';
import { estimateModelMemory } from './memory-estimate';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe("loadModel({ embeddings: 'f16' })", () => {
  // BF16 and F16 checkpoints are exactly representable in f16 (bf16's 8 mantissa bits fit in f16's 11 for the
  // magnitudes embeddings have), so compact embeddings are lossless for them.
  for (const name of ['llama-bf16', 'qwen2-f16'] as ModelFixture[]) {
    it(`${name}: lossless, matches PyTorch within 1e-4`, async () => {
      const model = await loadModel(modelFixtureFiles(name), { embeddings: 'f16' });
      for (const seq of goldenLogProbs(name))
        expect(maxAbsDiff(await model.logProbs(seq.ids), seq.logprobs)).toBeLessThan(1e-4);
      model.dispose();
    });
  }

  for (const name of ['llama3-rope-untied', 'qwen3'] as ModelFixture[]) {
    it(`${name} (f32 weights): f16 rounding of the embeddings only (measured mean ≤ 2e-3)`, async () => {
      const before = tf.memory().numTensors;
      const full = await loadModel(modelFixtureFiles(name));
      const compact = await loadModel(modelFixtureFiles(name), { embeddings: 'f16' });
      const { vocab, hidden, tieWordEmbeddings } = compact.config;
      // Device bytes drop by the f32 embedding (+ untied head) and gain the packed f16 head; the table moves to the host.
      const headF32 = vocab * hidden * 4 * (tieWordEmbeddings ? 1 : 2);
      expect(compact.byteSize()).toBe(full.byteSize() - headF32 + vocab * hidden * 2);
      expect(compact.hostByteSize()).toBe(vocab * hidden * 2);
      // The estimate from config.json alone predicts both exactly.
      const est = estimateModelMemory(compact.config, 'f32', 64, 'f16');
      expect(est.total).toBe(compact.byteSize());
      expect(est.hostBytes).toBe(compact.hostByteSize());
      expect(estimateModelMemory(full.config, 'f32').total).toBe(full.byteSize());
      let mean = 0;
      for (const seq of goldenLogProbs(name)) mean += meanAbsDiff(await compact.logProbs(seq.ids), seq.logprobs) / 3;
      expect(mean).toBeLessThan(3e-3);
      // Cached decoding and batched padding work the same way with host lookups.
      const cache = compact.createCache(1, 4);
      const step = tf.tidy(() => {
        compact.forward(tf.tensor2d([[1, 2, 3]], [1, 3], 'int32'), { cache });
        return compact.forward(tf.tensor2d([[4]], [1, 1], 'int32'), { cache });
      });
      const whole = tf.tidy(() =>
        compact.forward(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32')).slice([0, 3, 0], [1, 1, vocab]),
      );
      expect(maxAbsDiff(await step.data(), await whole.data())).toBeLessThan(1e-4);
      tf.dispose([step, whole]);
      cache.dispose();
      await expect(compact.logProbs([1, vocab])).rejects.toThrow(/outside the vocabulary/);
      full.dispose();
      compact.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
