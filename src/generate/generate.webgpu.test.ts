/**
 * generate() on tfjs's WebGPU backend (Dawn + SwiftShader in Node): the path the browser worker takes. The KV-cache
 * loop must give the same greedy tokens as full forwards, free every per-step tensor, and run on the packed int4
 * base whose WGSL kernels take the M = 1 (decode) and M > 1 (prefill) programs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import type { DecoderModel } from '../model/llama';
import { loadModel } from '../model/load';
import { createLinearFactory } from '../model/linear-factory';
import { modelFixtureFiles, type ModelFixture } from '../test-utils/model-fixtures.node.js';
import { initNodeWebGpu } from '../test-utils/webgpu.node.js';
import { byteLevelTokenizerJson } from '../tokenizer/byte-vocab';
import { createTokenizer } from '../tokenizer/load';
import { generate } from './generate';
import { GpuWorkCounter, gpuWorkDelta } from '../backend/gpu-work';
import { currentGpuDevice } from '../backend/webgpu';

const tokenizer = createTokenizer(byteLevelTokenizerJson(), {});
const loaded: DecoderModel[] = [];

beforeAll(async () => {
  expect(await initNodeWebGpu()).toBe(true);
});
afterAll(() => {
  for (const m of loaded) m.dispose();
});

async function load(name: ModelFixture, quant: 'f32' | 'int4'): Promise<DecoderModel> {
  const model = await loadModel(
    modelFixtureFiles(name),
    quant === 'f32' ? {} : { linearFactory: createLinearFactory(quant, { groupSize: 32 }) },
  );
  loaded.push(model);
  return model;
}

/** Greedy via a full forward per token (no cache), reading logits back with the async path. */
async function greedyNoCache(model: DecoderModel, prompt: number[], steps: number): Promise<number[]> {
  const ids = [...prompt];
  for (let s = 0; s < steps; s++) {
    const best = tf.tidy(() => {
      const logits = model.forward(tf.tensor2d(ids, [1, ids.length], 'int32')); // [1, seq, vocab]
      return logits
        .slice([0, ids.length - 1, 0], [1, 1, model.config.vocab])
        .flatten()
        .argMax();
    });
    ids.push((await best.data())[0]);
    best.dispose();
  }
  return ids.slice(prompt.length);
}

describe('generate on webgpu', () => {
  const cases: [ModelFixture, 'f32' | 'int4'][] = [
    ['llama-tied', 'f32'],
    ['qwen3', 'int4'],
  ];
  it.each(cases)('%s (%s): cached greedy equals full-forward greedy, tensors flat', async (name, quant) => {
    expect(tf.getBackend()).toBe('webgpu');
    const model = await load(name, quant);
    const prompt = 'Hi GPU';
    const reference = await greedyNoCache(model, tokenizer.encode(prompt), 5);
    // The reference run built the model's RoPE tables for this length (kept by the model, not a per-step leak).
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const result = await generate(
      model,
      tokenizer,
      { prompt, maxNewTokens: 5 },
      {
        onToken: () => counts.push(tf.memory().numTensors),
      },
    );
    expect(result.ids).toEqual(reference);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('greedy reads back 8 bytes a token (the argmax and its logit), sampling the [vocab] row', async () => {
    const model = loaded[1] ?? (await load('qwen3', 'int4'));
    const counter = new GpuWorkCounter(currentGpuDevice()!);
    try {
      const readBytes = async (request: { temperature?: number; topK?: number; seed?: number }) => {
        const perToken: number[] = [];
        let before = counter.snapshot();
        await generate(
          model,
          tokenizer,
          { prompt: 'Hi GPU', maxNewTokens: 4, ...request },
          {
            onToken: () => {
              const now = counter.snapshot();
              perToken.push(gpuWorkDelta(before, now).readbackBytes);
              before = now;
            },
          },
        );
        return perToken;
      };
      // The first token's interval holds the prefill; each later one a cached step
      expect((await readBytes({})).slice(1)).toEqual([8, 8, 8]);
      const vocabBytes = model.config.vocab * 4;
      expect((await readBytes({ temperature: 0.8, topK: 20, seed: 3 })).slice(1)).toEqual([
        vocabBytes,
        vocabBytes,
        vocabBytes,
      ]);
    } finally {
      counter.dispose();
    }
  });

  it('samples reproducibly per seed on the GPU', async () => {
    const model = loaded[1] ?? (await load('qwen3', 'int4'));
    const req = { prompt: 'abc', maxNewTokens: 4, temperature: 1, topK: 40, seed: 9 };
    expect((await generate(model, tokenizer, req)).ids).toEqual((await generate(model, tokenizer, req)).ids);
  });
});
