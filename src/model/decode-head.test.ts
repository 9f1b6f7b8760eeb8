// The wasm decode path's transposed LM head (DecoderModel.decodeHeadMaxValues): same logits as the frozen product,
// built once on the first decode step, owned and freed by the model, and never built when turned off.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { modelFixtureFiles } from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff } from '../test-utils/tolerance';
import { asGeneration } from '../backend/generation-scope';
import { decodeHeadCopyBytes } from './decode-head';
import { createLinearFactory } from './linear-factory';
import type { DecoderModel } from './llama';
import { loadModel } from './load';
import { wasmGemvSettings } from '../quant/kernels/wasm/wasm-gemv-host';

/** Prefill `ids`, then one cached step with `next`: that step's logits [vocab]. */
async function stepLogits(m: DecoderModel, ids: number[], next: number, generating = false): Promise<Float32Array> {
  const cache = m.createCache(1, ids.length + 1);
  const run = <T>(f: () => T) => (generating ? asGeneration(f) : f());
  run(() => tf.tidy(() => void m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { cache })));
  const out = run(() => tf.tidy(() => m.forward(tf.tensor2d([[next]], [1, 1], 'int32'), { cache })));
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

  it('over a packed base, generation reads an int8 copy of the head, small or large: logits within int8 rounding, built once, freed before training', async () => {
    const base = tf.memory().numTensors;
    // The layers with x as 16-bit integers, so the head's rounding is what shows (where relaxed SIMD runs, int4
    // layers would take x as 8-bit integers: gemv-q8.test.ts)
    wasmGemvSettings.int4X8 = false;
    const m = await loadModel(modelFixtureFiles('llama-tied'), { linearFactory: createLinearFactory('int4') });
    expect(m.config.vocab * m.config.hidden).toBeLessThanOrEqual(m.decodeHeadMaxValues); // a small head
    const ids = [1, 5, 77, 31, 2];
    const exact = await stepLogits(m, ids, 9); // outside generation: the f32 head (its transposed copy: small)
    const loaded = tf.memory().numTensors; // with that copy
    const fast = await stepLogits(m, ids, 9, true);
    expect(tf.memory().numTensors).toBe(loaded + 2); // the int8 head's codes and scales, kept
    const scale = Math.max(...Array.from(exact, Math.abs));
    expect(maxAbsDiff(fast, exact) / scale).toBeLessThan(1e-2);
    expect(maxAbsDiff(fast, exact) / scale).toBeGreaterThan(0); // it really is another head
    await stepLogits(m, ids, 9, true);
    expect(tf.memory().numTensors).toBe(loaded + 2); // built once
    expect(await stepLogits(m, ids, 9)).toEqual(exact); // scoring keeps the f32 head
    m.releaseDecodeCopies();
    expect(tf.memory().numTensors).toBe(loaded - 1); // both copies gone: the int8 one and the transposed one
    m.decodeCopies = false; // as during a training run: generation reads the f32 head, builds nothing
    const during = await stepLogits(m, ids, 9, true);
    expect(tf.memory().numTensors).toBe(loaded - 1);
    // Only the layers' generation kernels (x as 16-bit integers) move it, far less than the int8 head did.
    expect(maxAbsDiff(during, exact) / scale).toBeLessThan(1e-3);
    expect(maxAbsDiff(during, exact)).toBeLessThan(maxAbsDiff(fast, exact) / 4);
    m.dispose();
    expect(tf.memory().numTensors).toBe(base);
    wasmGemvSettings.int4X8 = true;
  });

  it('an f32 base generates with its f32 head', async () => {
    const m = await loadModel(modelFixtureFiles('llama-tied'));
    m.decodeHeadMaxValues = 0;
    const ids = [1, 5, 77, 31, 2];
    // Generation's fused norms sum in another order (≈1e-7), the head is the same f32 one.
    expect(maxAbsDiff(await stepLogits(m, ids, 9, true), await stepLogits(m, ids, 9))).toBeLessThan(1e-5);
    m.dispose();
  });

  it('the generation estimate counts the copy the backend will hold', () => {
    expect(decodeHeadCopyBytes(49152, 576, true, 'wasm', 'f32')).toBe(49152 * (576 + 9 * 4)); // int8 + a scale per 64
    expect(decodeHeadCopyBytes(4096, 256, false, 'wasm', 'f32')).toBe(4 * 4096 * 256); // the transposed f32 copy
    expect(decodeHeadCopyBytes(4096, 256, true, 'wasm', 'f32')).toBe(4096 * (256 + 4 * 4)); // int8 over a packed base
    expect(decodeHeadCopyBytes(49152, 576, false, 'wasm', 'f32')).toBe(0);
    expect(decodeHeadCopyBytes(49152, 576, true, 'webgpu', 'f16')).toBe(0);
  });
});
