// `score` through the in-process engine on wasm: the committed tiny llama (dropped as blobs) scored against its
// float64 PyTorch golden, text encoded with the tokenizer's BOS, and the errors a caller can act on.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../spec/errors';
import { goldenLogProbs, goldenQuantizedLogProbs, modelFixtureDir } from '../../test-utils/model-fixtures.node.js';
import { maxAbsDiff } from '../../test-utils/tolerance';
import { nodeEngineDeps } from '../deps.node.js';
import { LocalEngine } from '../local-engine';
import { NoModelError } from '../session';

const DIR = modelFixtureDir('llama-tied');
const files = () =>
  readdirSync(DIR)
    .filter((n) => n !== 'golden.json')
    .map((name) => ({ name, blob: new Blob([readFileSync(path.join(DIR, name))]) }));

let engine: LocalEngine;

beforeAll(async () => {
  engine = new LocalEngine(nodeEngineDeps());
  await engine.request('init', { preference: 'wasm' });
});
afterAll(() => engine.dispose());

describe('score', () => {
  it('asks for a model first', async () => {
    await expect(engine.request('score', { ids: [1, 2] })).rejects.toBeInstanceOf(NoModelError);
  });

  it('f32: every golden sequence within 1e-4 of PyTorch; int4: within 1e-4 of PyTorch on the same quantized weights', async () => {
    await engine.request('loadModel', {
      source: { kind: 'files', name: 'tiny', files: files() },
      quant: 'f32',
      embeddings: 'f32',
    });
    for (const seq of goldenLogProbs('llama-tied')) {
      const r = await engine.request('score', { ids: seq.ids });
      expect(r.ids).toEqual(seq.ids);
      expect(r.logprobs[0]).toBeNull();
      expect(maxAbsDiff(r.logprobs, seq.logprobs)).toBeLessThan(1e-4);
      expect(r.backend).toBe('wasm');
    }
    await engine.request('loadModel', {
      source: { kind: 'files', name: 'tiny', files: files() },
      quant: 'int4',
      embeddings: 'f32',
    });
    const q = goldenQuantizedLogProbs('llama-tied', 'int4')[0];
    expect(maxAbsDiff((await engine.request('score', { ids: q.ids })).logprobs, q.logprobs)).toBeLessThan(1e-4);
  });

  it('encodes text with the BOS the tokenizer adds, and rejects bad input clearly', async () => {
    const r = await engine.request('score', { text: 'hello' });
    expect(r.ids[0]).toBe(1); // <s>
    expect(r.ids.length).toBeGreaterThan(1);
    expect(r.logprobs.slice(1).every((x) => typeof x === 'number' && x < 0)).toBe(true);
    await expect(engine.request('score', { ids: [1, 256] })).rejects.toThrow(
      /256 is outside the vocabulary \[0, 256\)/,
    );
    await expect(engine.request('score', { ids: [1], text: 'x' })).rejects.toBeInstanceOf(InvalidRequestError);
    await expect(engine.request('score', { ids: [] })).rejects.toThrow(/empty/);
  });
});
