// The wasm decode path's transposed LM head (DecoderModel.decodeHeadMaxValues): same logits as the frozen product,
// built once on the first decode step, owned and freed by the model, and never built when turned off.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { modelFixtureFiles } from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff } from '../test-utils/tolerance';
import type { DecoderModel } from './llama';
import { loadModel } from './load';

/** Prefill `ids`, then one cached step with `next`: that step's logits [vocab]. */
async function stepLogits(m: DecoderModel, ids: number[], next: number): Promise<Float32Array> {
  const cache = m.createCache(1, ids.length + 1);
  tf.tidy(() => void m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { cache }));
  const out = tf.tidy(() => m.forward(tf.tensor2d([[next]], [1, 1], 'int32'), { cache }));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  cache.dispose();
  return data;
}

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('decode LM head (wasm)', () => {
  for (const name of ['llama-tied', 'llama3-rope-untied'] as const) {
    it(`${name}: equals the frozen product, is built once and freed with the model`, async () => {
      const base = tf.memory().numTensors;
      const m = await loadModel(modelFixtureFiles(name));
      const ids = [1, 5, 77, 31, 2];
      m.decodeHeadMaxValues = 0; // off: the [vocab, hidden] head through matMulFrozenT
      const plain = await stepLogits(m, ids, 9);
      const loaded = tf.memory().numTensors; // weights + the RoPE tables the first forward built
      m.decodeHeadMaxValues = 1 << 23;
      const fast = await stepLogits(m, ids, 9);
      expect(tf.memory().numTensors).toBe(loaded + 1); // the transposed head, kept
      expect(maxAbsDiff(fast, plain)).toBeLessThan(1e-5);
      await stepLogits(m, ids, 9);
      expect(tf.memory().numTensors).toBe(loaded + 1); // built once
      m.dispose();
      expect(tf.memory().numTensors).toBe(base);
    });
  }
});
