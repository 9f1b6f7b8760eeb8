// A GPU validation error during an engine job fails that job with a GpuError; it can never pass silently with
// stale data. The fault injected is the real one this project hit: tfjs's own AddN kernel, which binds every input
// and so makes an invalid pipeline for the global gradient norm over 28 LoRA matrices. Runs the real `train`
// handler (in-process LocalEngine, Dawn on SwiftShader, fake-indexeddb), tiny shapes.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installNodeWebGpu, nodeEngineDeps } from '../engine/deps.node.js';
import { coreHandlers } from '../engine/handlers';
import { LocalEngine } from '../engine/local-engine';
import { GpuError } from '../spec/errors';
import type { EngineEvent, RequestKind } from '../protocol/messages';
import type { TrainRunSpec } from '../spec/run-spec';
import { openStudioDb } from '../storage';
import { fixtureFilesSource } from '../test-utils/model-fixtures.node.js';
import { registerWebGpuKernelOverrides } from './kernels/register-webgpu';
import { tf } from './tf';
import { prepareDataset } from '../test-utils/channel-engine.node.js';
import { tinyRunSpec } from '../test-utils/run-spec';

const source = fixtureFilesSource('llama-tied');
const jsonl = {
  name: 'ab.jsonl',
  blob: new Blob([
    Array.from({ length: 4 }, (_, i) => JSON.stringify({ prompt: `Q${i}:`, completion: ' abcabc' })).join('\n'),
  ]),
};

let engine: LocalEngine;
let datasetId = '';
let tfjsAddN: tf.KernelConfig;

// Every projection of both layers: 14 adapted modules, 28 gradients summed by one addN for the norm.
const spec = (): TrainRunSpec => {
  const train = { steps: 1, batchSize: 1, maxSeqLen: 32, seed: 1, maxGradNorm: 1 };
  return tinyRunSpec('fault run', datasetId, { rank: 2, alpha: 4, dropout: 0 }, train);
};

beforeAll(async () => {
  // tfjs's own kernel, captured before initWebGpuBackend replaces it, to inject the historical fault.
  await import('@tensorflow/tfjs-backend-webgpu');
  tfjsAddN = { ...(tf.getKernel('AddN', 'webgpu') as tf.KernelConfig) };
  const gpu = await installNodeWebGpu();
  const db = await openStudioDb({ name: `gpu-fault-${Math.random()}` });
  engine = new LocalEngine(nodeEngineDeps(gpu, async () => db));
  expect((await engine.request('init', { preference: 'webgpu' })).backend).toBe('webgpu');
  const info = await engine.request('loadModel', { source, quant: 'f32', embeddings: 'f32' });
  datasetId = await prepareDataset(engine, { name: 'ab', files: [jsonl], source, tokenizerId: info.id, evalSplit: 0 });
}, 120_000);

afterAll(() => {
  registerWebGpuKernelOverrides();
  engine?.dispose();
});

describe('GPU faults fail engine jobs', () => {
  it('every request that computes on the GPU runs as a GPU job (inside error scopes, one at a time)', () => {
    const gpuJobs: RequestKind[] = ['init', 'matmulCheck', 'loadModel', 'score', 'generate', 'train'];
    for (const kind of gpuJobs) expect(coreHandlers[kind].gpu, kind).toBe(true);
  });

  it('a training step with an invalid pipeline fails the train job with a validation GpuError', async () => {
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel(tfjsAddN);
    const events: EngineEvent[] = [];
    try {
      const err = await engine
        .request('train', { spec: spec() }, { onEvent: (e) => events.push(e) })
        .catch((e: unknown) => e);
      expect(err, JSON.stringify(err)).toBeInstanceOf(GpuError);
      expect((err as GpuError).fault).toBe('validation');
      expect((err as GpuError).detail).toMatch(/storage buffers/i);
    } finally {
      registerWebGpuKernelOverrides();
    }
    // The fault stopped the run at its first step: nothing trained on stale data was saved, and the run record says
    // it failed and where it can resume from.
    expect(await engine.request('listAdapters', {})).toHaveLength(0);
    const [failedRun] = await engine.request('listRuns', {});
    expect(failedRun.status).toBe('failed');
    expect(failedRun.error).toMatch(/resume from its checkpoint at step 0/);
    // The same run with our chunked AddN trains cleanly.
    const ok = await engine.request('train', { spec: { ...spec(), name: 'clean run' } });
    expect(ok).toMatchObject({ status: 'finished', step: 1 });
    expect(ok.finalLoss.train).toBeGreaterThan(0); // the step had labels: gradients were really summed
  }, 180_000);
});
