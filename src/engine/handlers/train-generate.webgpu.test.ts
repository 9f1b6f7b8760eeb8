// Generation during training on WebGPU (Dawn on SwiftShader, tiny shapes): the NF4 base runs our WGSL kernels,
// a generation asked for mid-run runs at a step boundary in its own error scope nested in the run's, completes
// while the run goes on, and leaves the run's losses exactly as without it. The memory events report GPU buffers.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateParams } from '../../protocol/generate-types';
import type { MemoryReport } from '../../protocol/messages';
import type { TrainRunResult } from '../../protocol/train-types';
import type { TrainRunSpec } from '../../spec/run-spec';
import { openStudioDb } from '../../storage';
import { fixtureFilesSource } from '../../test-utils/model-fixtures.node.js';
import { installNodeWebGpu, nodeEngineDeps } from '../deps.node.js';
import { LocalEngine } from '../local-engine';
import { prepareDataset } from '../../test-utils/channel-engine.node.js';
import { tinyRunSpec } from '../../test-utils/run-spec';

const source = fixtureFilesSource('llama-tied');
const jsonl = {
  name: 'ab.jsonl',
  blob: new Blob([
    Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Q${i % 4}:`, completion: ' abcabc' })).join('\n'),
  ]),
};
const STEPS = 5;

let engine: LocalEngine;
let datasetId = '';
const memory: MemoryReport[] = [];

const spec = (name: string): TrainRunSpec => {
  const train = { steps: STEPS, batchSize: 1, maxSeqLen: 16, seed: 2, checkpointEvery: 0 };
  return tinyRunSpec(name, datasetId, { rank: 2, alpha: 4, dropout: 0.1 }, train);
};
const ask: GenerateParams = {
  prompt: 'Q1:',
  maxNewTokens: 3,
  seed: 1,
  use: 'training',
  sampling: { temperature: 0.8, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
};

beforeAll(async () => {
  const gpu = await installNodeWebGpu();
  const db = await openStudioDb({ name: `train-generate-webgpu-${Math.random()}` });
  engine = new LocalEngine(nodeEngineDeps(gpu, async () => db));
  engine.subscribe((e) => void (e.kind === 'memory' && memory.push(e.memory)));
  expect((await engine.request('init', { preference: 'webgpu' })).backend).toBe('webgpu');
  const info = await engine.request('loadModel', { source, quant: 'nf4', embeddings: 'f32' });
  datasetId = await prepareDataset(engine, { name: 'ab', files: [jsonl], source, tokenizerId: info.id, evalSplit: 0 });
}, 120_000);
afterAll(() => engine.dispose());

describe('generate during training (WebGPU)', () => {
  it('runs at a step boundary, mid-run, without changing the losses; memory reports GPU buffers', async () => {
    let step = 0;
    let asked: Promise<{ stepAtEnd: number; newTokens: number }> | null = null;
    const a = await engine.request(
      'train',
      { spec: spec('with') },
      {
        onEvent: (e) => {
          if (e.kind !== 'trainStep') return;
          step = e.metrics.step;
          if (step === 2)
            asked = engine.request('generate', ask).then((r) => ({ stepAtEnd: step, newTokens: r.newTokens }));
        },
      },
    );
    const g = await asked!;
    expect(g.stepAtEnd).toBe(2);
    expect(g.newTokens).toBeGreaterThan(0);
    const b = await engine.request('train', { spec: spec('without') });
    const losses = async (r: TrainRunResult) =>
      (await engine.request('getRun', { id: r.runId })).metrics.map((p) => p.loss);
    expect(await losses(a)).toHaveLength(STEPS);
    expect(await losses(a)).toEqual(await losses(b));
    // On WebGPU the memory events carry the buffer manager's figures, not just tensor bytes.
    const last = memory[memory.length - 1];
    expect(last.numBytesInGPU).toBeGreaterThan(0);
    expect(last.numBytesAllocatedInGPU).toBeGreaterThanOrEqual(last.numBytesInGPU!);
  }, 240_000);
});
