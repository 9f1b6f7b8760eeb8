// The two memory faults a user meets at real sizes, through the engine on the wasm backend (4 GiB budget):
// a model too large for the device is refused from its config.json alone, before any weight byte downloads; and an
// allocation that fails mid-training (as a WebGPU error scope reports it: tfjs-webgpu itself never checks) stops
// the run at that step with the estimate, the budget and what would fit, leaving the checkpoint before it intact.
import 'fake-indexeddb/auto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../../scripts/hub-server';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import { GpuError, InvalidRequestError } from '../../spec/errors';
import type { EngineEvent } from '../../protocol/messages';
import { latestCheckpoint, openStudioDb, type StudioDb } from '../../storage';
import { fixtureFilesSource } from '../../test-utils/model-fixtures.node.js';
import { DEFAULT_TRAIN_CONFIG } from '../../spec/train-config';
import { nodeEngineDeps } from '../deps.node.js';
import { JobEngine } from '../job-engine';
import { memoryReport } from '../memory-report';
import { EngineSession } from '../session';
import { coreHandlers } from './index';
import { prepareDataset } from '../../test-utils/channel-engine.node.js';

/**
 * Stands in for a GPUDevice's error scopes: once armed, the next scope to close reports an out-of-memory error,
 * exactly what `withGpuErrorScope` sees when an allocation inside the step failed.
 */
class FaultyScopes {
  armed = false;
  private pops = 0;
  pushErrorScope(): void {}
  async popErrorScope(): Promise<{ message: string } | null> {
    if (!this.armed) return null;
    // Pops come validation, out-of-memory, internal: answer the second.
    if (++this.pops < 2) return null;
    this.armed = false;
    this.pops = 0;
    return { message: 'Out of memory: failed to allocate a 301989888-byte buffer' };
  }
}

const device = new FaultyScopes();
let engine: JobEngine;
let db: StudioDb;
let hub: HubServer;

beforeAll(async () => {
  db = await openStudioDb({ name: `memory-faults-${Math.random()}` });
  engine = new JobEngine(
    nodeEngineDeps(null, async () => db),
    coreHandlers,
    {
      gpuDevice: () => device as unknown as GPUDevice,
      gpuWatch: () => null,
      memory: memoryReport,
      newSession: (liveness) => new EngineSession(liveness),
    },
  );
  expect((await engine.request('init', { preference: 'wasm' })).backend).toBe('wasm');
  hub = await startHubServer({
    repos: { 'meta-llama/Llama-3.2-1B': { dir: path.resolve('fixtures/configs/llama-3.2-1b') } },
  });
}, 60_000);
afterAll(async () => {
  engine.dispose();
  await hub.close();
});

describe('memory faults', () => {
  it('refuses a model whose base exceeds the budget before downloading, naming the mode that fits', async () => {
    const source = { kind: 'hub' as const, repo: 'meta-llama/Llama-3.2-1B', revision: 'main', hubUrl: hub.url };
    const load = engine.request('loadModel', { source, quant: 'f32' });
    await expect(load).rejects.toBeInstanceOf(InvalidRequestError);
    // Llama-3.2-1B in f32 is 4.9 GB: more than wasm's 4 GiB heap. f16 weights (3.0 GB with the f32 embedding)
    // train at 512 in 3.87 GiB of heap since each LoRA module and RMSNorm run as one op on wasm (4.25 GiB
    // before: then the advice was int8).
    await expect(load).rejects.toThrow(
      /^meta-llama\/Llama-3\.2-1B@main in F32 needs ≈ 4\.6 GiB before training, more than this device's budget of 4\.0 GiB; try f16\. Nothing was downloaded\.$/,
    );
    // Only config.json was asked for: no listing, no weights.
    expect(hub.requests.map((r) => r.url)).toEqual(['/meta-llama/Llama-3.2-1B/resolve/main/config.json']);
  });

  it('an allocation failing at step 3 stops the run there with the estimate and advice; the step-2 checkpoint stays', async () => {
    const source = fixtureFilesSource('llama-tied');
    const info = await engine.request('loadModel', { source, quant: 'f32' });
    const jsonl = {
      name: 'ab.jsonl',
      blob: new Blob([
        Array.from({ length: 8 }, (_, i) => JSON.stringify({ prompt: `Q${i % 4}:`, completion: ' abab' })).join('\n'),
      ]),
    };
    const datasetId = await prepareDataset(engine, {
      name: 'ab',
      files: [jsonl],
      source,
      tokenizerId: info.id,
      evalSplit: 0,
    });
    const spec = {
      name: 'oom run',
      datasetId,
      lora: { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout: 0 },
      train: { ...DEFAULT_TRAIN_CONFIG, steps: 4, batchSize: 2, maxSeqLen: 16, checkpointEvery: 2, seed: 1 },
      samples: { prompts: [], every: 0, maxNewTokens: 1, temperature: 0, seed: 0 },
    };
    const events: EngineEvent[] = [];
    const run = engine.request(
      'train',
      { spec },
      {
        onEvent: (e) => {
          events.push(e);
          // After the step-2 checkpoint is stored, the next step's allocation fails.
          if (e.kind === 'checkpointSaved' && e.step === 2) device.armed = true;
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(GpuError);
    const error = (await run.catch((e: unknown) => e)) as GpuError;
    expect(error.fault).toBe('out-of-memory');
    expect(error.message).toMatch(
      /^out of GPU memory at step 3: needed ≈ \d+ MiB, device budget 4\.0 GiB; try seq \d+/,
    );
    expect(error.detail).toContain('301989888-byte buffer');
    expect(
      events.filter((e) => e.kind === 'trainStep').map((e) => (e as { metrics: { step: number } }).metrics.step),
    ).toEqual([1, 2]);
    const runId = (events.find((e) => e.kind === 'trainStart') as { runId: string }).runId;
    const record = await engine.request('getRun', { id: runId });
    expect(record.status).toBe('failed');
    expect(record.error).toMatch(
      /stopped at step 3: out of GPU memory at step 3.*resume from its checkpoint at step 2/,
    );
    expect((await latestCheckpoint(db, runId))?.record.step).toBe(2);
    // The checkpoint is whole: the run resumes from it and finishes.
    const resumed = await engine.request('train', { resumeRunId: runId });
    expect(resumed).toMatchObject({ status: 'finished', step: 4 });
  });
});
