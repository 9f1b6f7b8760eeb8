// An adapter coming back from a cluster hand-off, imported through the real protocol on wasm + fake-indexeddb:
// matched to the studio run by the job's run marker, its trainer_state.json filed as a run with a loss curve.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeft } from '../../lora/peft';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import type { TrainRunSpec } from '../../spec/run-spec';
import { DEFAULT_TRAIN_CONFIG } from '../../spec/train-config';
import { LoraAdapter, type LoraModuleWeights } from '../../lora/lora-adapter';
import { parseModelConfig } from '../../model/config';
import type { EngineClient } from '../../protocol/client';
import { channelEngine } from '../../test-utils/channel-engine.node.js';
import { getRun, putDataset, putRun, type StudioDb } from '../../storage';
import { fixtureFilesSource, modelFixtureDir } from '../../test-utils/model-fixtures.node.js';
import { configLinearSpecs } from '../../test-utils/linear-specs';

const DIR = modelFixtureDir('llama-tied');
/** The settings the studio run 'run-abc' was exported with. */
const RUN_SPEC: TrainRunSpec = {
  name: 'ship logs r4',
  datasetId: 'ds-1',
  lora: { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8 },
  train: DEFAULT_TRAIN_CONFIG,
  samples: { prompts: [], every: 0, maxNewTokens: 8, temperature: 0, seed: 0 },
};
const config = parseModelConfig(JSON.parse(readFileSync(path.join(DIR, 'config.json'), 'utf8')));
const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

let client: EngineClient;
let db: StudioDb;
let peft: Record<string, Uint8Array>;

beforeAll(async () => {
  ({ client, db } = await channelEngine('engine-returned'));
  await client.request('loadModel', {
    source: { kind: 'files', name: 'tiny', files: fixtureFilesSource('llama-tied').files },
    quant: 'f32',
  });
  const specs = configLinearSpecs(config);
  const weights = new Map<string, LoraModuleWeights>(
    specs.map((s) => [
      s.path,
      { loraA: new Float32Array(4 * s.inFeatures).fill(0.01), loraB: new Float32Array(s.outFeatures * 4).fill(0.02) },
    ]),
  );
  const adapter = LoraAdapter.fromWeights({ ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8 }, specs, weights);
  peft = await exportPeft(adapter, { baseModel: 'HuggingFaceTB/SmolLM2-135M' });
  adapter.dispose();
  const dataset = await putDataset(
    db,
    {
      id: 'ds-1',
      name: 'ship logs',
      source: { fileName: 'a.jsonl', format: 'jsonl', byteLength: 1 },
      shape: 'chat',
      exampleCount: 1,
      tokenCount: 1,
      tokenizer: 'tiny',
      info: {},
    },
    {},
  );
  await putRun(db, {
    id: 'run-abc',
    name: 'ship logs r4',
    createdAt: 1,
    updatedAt: 1,
    status: 'completed',
    config: { spec: RUN_SPEC },
    baseModel: 'tiny',
    datasetId: dataset.id,
    adapterId: null,
    metrics: [{ step: 1, loss: 3, time: 0 }],
    error: null,
  });
});
afterAll(() => client.dispose());

/** The output folder zipped as a user would: `outputs/run-abc/` with an axolotl checkpoint folder inside. */
function clusterZip(extra: Record<string, Uint8Array>): Blob {
  const files: Record<string, Uint8Array> = {
    [ADAPTER_CONFIG_FILE]: peft[ADAPTER_CONFIG_FILE],
    [ADAPTER_WEIGHTS_FILE]: peft[ADAPTER_WEIGHTS_FILE],
    ...extra,
  };
  return new Blob([zipSync(Object.fromEntries(Object.entries(files).map(([n, b]) => [`run-abc/${n}`, b])))]);
}

describe('importing an adapter back from a cluster', () => {
  it('with the run marker and a trainer state: a cluster run with the curve, tied to the studio run and its dataset', async () => {
    const marker = enc({ format: 'lora-studio-run', version: 1, runId: 'run-abc', baseModel: null, method: 'sft' });
    const state = enc({
      log_history: [
        { step: 1, loss: 2.4, learning_rate: 1e-4 },
        { step: 2, loss: 2.0 },
        { step: 2, eval_loss: 2.2 },
      ],
    });
    const imported = await client.request('importAdapter', {
      files: [
        {
          name: 'run-abc.zip',
          blob: clusterZip({ 'lora-studio-run.json': marker, 'checkpoint-2/trainer_state.json': state }),
        },
      ],
    });
    expect(imported.dataset).toEqual({ id: 'ds-1', name: 'ship logs' });
    const run = await client.request('getRun', { id: imported.runId! });
    expect(run).toMatchObject({
      name: 'ship logs r4 (cluster)',
      status: 'completed',
      handoffOf: 'run-abc',
      adapterId: imported.id,
      datasetId: 'ds-1',
      config: { spec: RUN_SPEC },
    });
    expect(run.metrics.map((p) => [p.step, p.loss, p.evalLoss])).toEqual([
      [1, 2.4, undefined],
      [2, 2.0, 2.2],
    ]);
    // The studio's own run keeps its own curve.
    expect((await getRun(db, 'run-abc'))!.metrics).toHaveLength(1);
  });

  it('with the marker only: the adapter is filed under the studio run', async () => {
    const marker = enc({ format: 'lora-studio-run', version: 1, runId: 'run-abc', baseModel: null, method: 'sft' });
    const imported = await client.request('importAdapter', {
      files: [{ name: 'run-abc.zip', blob: clusterZip({ 'lora-studio-run.json': marker }) }],
    });
    expect(imported.runId).toBe('run-abc');
  });

  it('a malformed marker or state never fails the import; it is logged', async () => {
    const logs: string[] = [];
    const imported = await client.request(
      'importAdapter',
      {
        files: [
          {
            name: 'run-abc.zip',
            blob: clusterZip({
              'lora-studio-run.json': new TextEncoder().encode('{oops'),
              'trainer_state.json': enc({}),
            }),
          },
        ],
      },
      { onEvent: (e) => e.kind === 'log' && logs.push(e.message) },
    );
    expect(imported.runId).toBeNull();
    expect(logs.join('\n')).toMatch(/run marker ignored[\s\S]*loss curve ignored/);
  });
});
