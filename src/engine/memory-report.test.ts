// The status bar's memory figure: the engine reports tfjs's counters in `env` and in a job-less `memory` event after
// every GPU job, and a loaded model never reads as 0 B (on wasm here; the WebGPU path is the e2e's).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import type { EngineEvent, MemoryReport } from '../protocol/messages';
import { fixtureFilesSource, modelFixtureDir } from '../test-utils/model-fixtures.node.js';
import { nodeEngineDeps } from './deps.node.js';
import { LocalEngine } from './local-engine';
import { memoryReport } from './memory-report';

const DIR = modelFixtureDir('llama-tied');
const { files } = fixtureFilesSource('llama-tied');

let engine: LocalEngine;
const reports: MemoryReport[] = [];

beforeAll(async () => {
  engine = new LocalEngine(nodeEngineDeps());
  engine.subscribe((e: EngineEvent) => {
    if (e.kind === 'memory') reports.push(e.memory);
  });
  await engine.request('init', { preference: 'wasm' });
}, 30_000);
afterAll(() => engine.dispose());

describe('memory report', () => {
  it('a loaded model shows its tensor bytes in the memory event and in env; unloading gives them back', async () => {
    const before = (await engine.request('env', {})).memory;
    reports.length = 0;
    const info = await engine.request('loadModel', { source: { kind: 'files', name: 'tiny', files }, quant: 'int8' });
    // The event after the load job carries the counters as they are once the model is in place.
    expect(reports).toHaveLength(1);
    const loaded = reports[0];
    expect(loaded.numBytes).toBeGreaterThan(before.numBytes);
    // At least the packed base the model reports (norms, RoPE tables and embeddings come on top).
    expect(loaded.numBytes - before.numBytes).toBeGreaterThanOrEqual(info.deviceBytes * 0.9);
    expect(loaded).toEqual({ ...memoryReport(), numBytes: tf.memory().numBytes });
    // wasm has no GPU buffers: the GPU figures are absent, not 0.
    expect(loaded.numBytesInGPU).toBeNull();
    expect(loaded.numBytesAllocatedInGPU).toBeNull();
    expect((await engine.request('env', {})).memory).toEqual(loaded);

    reports.length = 0;
    const gen = () =>
      engine.request('generate', {
        prompt: 'hi',
        maxNewTokens: 3,
        seed: 1,
        use: 'base',
        sampling: { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
      });
    await gen();
    await gen();
    await gen();
    // One report per generation; the first may keep a cache (a few small tensors) and, on wasm, the model's
    // transposed LM head for decoding (DecoderModel.decodeHeadMaxValues: vocab·hidden f32); later ones hold nothing more.
    const config = JSON.parse(readFileSync(path.join(DIR, 'config.json'), 'utf8')) as {
      vocab_size: number;
      hidden_size: number;
    };
    const decodeHead = 4 * config.vocab_size * config.hidden_size;
    expect(reports).toHaveLength(3);
    expect(reports[0].numBytes - loaded.numBytes).toBeLessThan(loaded.numBytes * 0.1 + decodeHead);
    expect(reports[2]).toEqual(reports[0]);

    await engine.request('unloadModel', {});
    expect((await engine.request('env', {})).memory.numBytes).toBe(before.numBytes);
  }, 30_000);
});
