// Training requests through the real protocol (client ⇄ MessageChannel ⇄ LocalEngine) on the wasm backend, with
// the llama-tied fixture as dropped files and fake-indexeddb for datasets, runs, checkpoints and the library.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPT_TEMPLATE } from '../../data/template';
import type { EngineClient } from '../../protocol/client';
import { InvalidRequestError } from '../../spec/errors';
import type { GenerateParams } from '../../protocol/generate-types';
import type { EngineEvent } from '../../protocol/messages';
import type { TrainRunSpec } from '../../spec/run-spec';
import { fixtureFilesSource } from '../../test-utils/model-fixtures.node.js';
import { channelEngine, prepareDataset } from '../../test-utils/channel-engine.node.js';
import { tinyRunSpec } from '../../test-utils/run-spec';

const source = fixtureFilesSource('llama-tied');
const LINES = Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Q${i % 4}:`, completion: ' abcabcabc' }));
const jsonl = { name: 'abc.jsonl', blob: new Blob([LINES.join('\n') + '\n']) };

const GREEDY = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 };

let client: EngineClient;
let datasetId = '';

function spec(steps: number, extra: Partial<TrainRunSpec['train']> = {}, every = 0): TrainRunSpec {
  const train = { steps, batchSize: 2, maxSeqLen: 32, seed: 1, ...extra };
  return tinyRunSpec('abc run', datasetId, { rank: 4, alpha: 8, dropout: 0 }, train, { prompts: ['Q1:'], every });
}

beforeAll(async () => {
  ({ client } = await channelEngine('engine-train'));
  const info = await client.request('loadModel', { source, quant: 'f32' });
  datasetId = await prepareDataset(client, {
    name: 'abc',
    files: [jsonl],
    source,
    tokenizerId: info.id,
    evalSplit: 0.25,
  });
}, 60_000);
afterAll(() => client.dispose());

describe('train requests', () => {
  it('estimates memory, trainable parameters and steps before starting', async () => {
    const s = spec(10);
    const e = await client.request('estimateTraining', { lora: s.lora, train: s.train, datasetId });
    // 2 layers × (q,k,v,o,gate,up,down) adapted; rank 4 × (in + out) each.
    expect(e.modules).toBe(14);
    expect(e.trainableParameters).toBeGreaterThan(0);
    expect(e.memory.totalBytes).toBeGreaterThan(e.memory.baseBytes);
    expect(e).toMatchObject({ trainExamples: 12, evalExamples: 4, totalSteps: 10 });
    await expect(
      client.request('estimateTraining', { lora: { ...s.lora, targets: ['nope_proj'] }, train: s.train, datasetId }),
    ).rejects.toBeInstanceOf(InvalidRequestError);
  });

  it('trains: steps stream, loss falls, samples every N steps, checkpoints, adapter saved with its run history', async () => {
    const events: EngineEvent[] = [];
    const s = spec(12, { checkpointEvery: 4, evalEvery: 6 }, 4);
    const estimate = await client.request('estimateTraining', { lora: s.lora, train: s.train, datasetId });
    const r = await client.request('train', { spec: s }, { onEvent: (e) => events.push(e) });
    const start = events.find((e) => e.kind === 'trainStart');
    // The estimate counts exactly the parameters the run trains.
    expect(start?.kind === 'trainStart' && start.trainableParameters).toBe(estimate.trainableParameters);
    const steps = events.flatMap((e) => (e.kind === 'trainStep' ? [e.metrics] : []));
    expect(steps.map((m) => m.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(steps[11].loss).toBeLessThan(steps[0].loss * 0.7);
    expect(steps[5].evalLoss).toBeGreaterThan(0);
    // Each evaluation (steps 6 and 12) reports its progress, from 0 to every batch done, before its step's metrics.
    const evals = events.flatMap((e) => (e.kind === 'trainEval' ? [e] : []));
    expect(evals.filter((e) => e.done === 0).map((e) => e.step)).toEqual([6, 12]);
    expect(evals.filter((e) => e.done === e.total).map((e) => e.step)).toEqual([6, 12]);
    expect(events.findIndex((e) => e.kind === 'trainEval' && e.step === 6)).toBeLessThan(
      events.findIndex((e) => e.kind === 'trainStep' && e.metrics.step === 6),
    );
    expect(events.filter((e) => e.kind === 'trainSample').map((e) => (e.kind === 'trainSample' ? e.step : 0))).toEqual([
      4, 8, 12,
    ]);
    expect(events.filter((e) => e.kind === 'checkpointSaved').length).toBeGreaterThanOrEqual(3);
    expect(r).toMatchObject({ status: 'finished', step: 12, totalSteps: 12 });
    expect(r.adapterId).toBeTruthy();
    const [adapter] = await client.request('listAdapters', {});
    expect(adapter).toMatchObject({
      id: r.adapterId,
      name: 'abc run',
      rank: 4,
      alpha: 8,
      runId: r.runId,
      dataset: { id: datasetId, name: 'abc' },
    });
    expect(adapter.targets).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    expect(adapter.finalLoss?.train).toBeCloseTo(steps[11].loss, 5);
    const run = await client.request('getRun', { id: r.runId });
    expect(run).toMatchObject({ status: 'completed', adapterId: r.adapterId });
    expect(run.metrics.map((p) => p.step)).toEqual(steps.map((m) => m.step));

    // The fixture has no chat template, so prompt/completion data was rendered with the default prompt template;
    // the run, the adapter record and the samples all use that format (issue 15).
    const format = { template: DEFAULT_PROMPT_TEMPLATE };
    expect(start?.kind === 'trainStart' && start.promptFormat).toEqual(format);
    expect(adapter.promptFormat).toEqual(format);
    const last = events.findLast((e) => e.kind === 'trainSample');
    if (last?.kind !== 'trainSample') throw new Error('no sample');
    expect(last.prompt).toBe('Q1:');
    // The last sample is the final adapter on the templated prompt: a greedy generation in that format repeats it.
    await client.request('setActiveAdapters', { adapters: [{ id: adapter.id, weight: 1 }] });
    const gen = (extra: Partial<GenerateParams>) =>
      client.request('generate', {
        prompt: 'Q1:',
        sampling: GREEDY,
        maxNewTokens: 4,
        seed: 0,
        use: 'adapters',
        ...extra,
      });
    const templated = await gen({ format });
    const plain = await gen({});
    expect(templated.text).toBe(last.text);
    // The template is really applied: the prompt is longer than the bare one.
    expect(templated.promptTokens).toBeGreaterThan(plain.promptTokens);
    await expect(gen({ format: { template: 'no placeholder' } })).rejects.toThrow(/\{prompt\}/);
    await client.request('setActiveAdapters', { adapters: [] });
  }, 60_000);

  it('pauses, resumes and stops at a step boundary; a stopped run saves its adapter', async () => {
    const statuses: string[] = [];
    let runId = '';
    const done = client.request(
      'train',
      { spec: spec(200) },
      {
        onEvent: (e) => {
          if (e.kind === 'trainStart') runId = e.runId;
          if (e.kind === 'trainStatus') statuses.push(e.status);
          if (e.kind === 'trainStep' && e.metrics.step === 2)
            void client.request('trainControl', { runId, action: 'pause' });
        },
      },
    );
    await expect.poll(() => statuses.includes('paused'), { timeout: 20_000 }).toBe(true);
    expect((await client.request('trainControl', { runId, action: 'resume' })).accepted).toBe(true);
    await expect
      .poll(() => statuses.filter((s) => s === 'running').length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    await client.request('trainControl', { runId, action: 'stop' });
    const r = await done;
    expect(r.status).toBe('stopped');
    expect(r.step).toBeLessThan(200);
    expect(r.adapterId).toBeTruthy();
    expect((await client.request('trainControl', { runId, action: 'stop' })).accepted).toBe(false);
  }, 60_000);

  it('an interrupted run resumes from its checkpoint and the loss curve continues', async () => {
    const controller = new AbortController();
    let runId = '';
    const first = client.request(
      'train',
      { spec: spec(10, { checkpointEvery: 3 }) },
      {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.kind === 'trainStart') runId = e.runId;
          if (e.kind === 'checkpointSaved' && e.step >= 6) controller.abort();
        },
      },
    );
    await expect(first).rejects.toThrow();
    // The aborted job ends at a step boundary; wait until the engine takes a new run.
    await expect
      .poll(async () => (await client.request('getRun', { id: runId })).status, { timeout: 20_000 })
      .toBe('paused');
    const events: EngineEvent[] = [];
    const r = await client.request('train', { resumeRunId: runId }, { onEvent: (e) => events.push(e) });
    const start = events.find((e) => e.kind === 'trainStart');
    if (start?.kind !== 'trainStart') throw new Error('no trainStart');
    expect(start.resumedAt).toBeGreaterThanOrEqual(6);
    expect(start.history.map((m) => m.step)).toEqual(Array.from({ length: start.resumedAt }, (_, i) => i + 1));
    const steps = events.flatMap((e) => (e.kind === 'trainStep' ? [e.metrics.step] : []));
    expect(steps[0]).toBe(start.resumedAt + 1);
    expect(r).toMatchObject({ runId, status: 'finished', step: 10 });
    expect((await client.request('getRun', { id: runId })).metrics.map((p) => p.step)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 1),
    );
    await expect(client.request('train', { resumeRunId: runId })).rejects.toThrow(/already finished/);
  }, 60_000);

  it('a NaN/Inf loss rolls back to the last good checkpoint and ends with a message; nothing is saved', async () => {
    const events: EngineEvent[] = [];
    const before = (await client.request('listAdapters', {})).length;
    // An absurd learning rate: Adam's first update moves lora_B by ±lr, the next forward pass overflows float32.
    const r = await client.request(
      'train',
      { spec: spec(6, { lr: 1e30, maxGradNorm: 0 }) },
      { onEvent: (e) => events.push(e) },
    );
    expect(r.status).toBe('diverged');
    expect(r.adapterId).toBeNull();
    expect(r.message).toMatch(/rolled back to the last good checkpoint \(step \d+\)/);
    expect(events.some((e) => e.kind === 'trainStatus' && e.status === 'diverged' && e.message === r.message)).toBe(
      true,
    );
    const run = await client.request('getRun', { id: r.runId });
    expect(run).toMatchObject({ status: 'failed', adapterId: null, error: r.message });
    expect(await client.request('listAdapters', {})).toHaveLength(before);
    await client.request('deleteRun', { id: r.runId });
    await expect(client.request('getRun', { id: r.runId })).rejects.toBeInstanceOf(InvalidRequestError);
  }, 60_000);
});
