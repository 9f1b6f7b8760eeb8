// Storage on a real IndexedDB implementation (fake-indexeddb): CRUD, chunking, migration v1 → v2, atomic writes.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { CancelledError, EngineError, QuotaError } from '../spec/errors';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import type { TrainRunSpec } from '../spec/run-spec';
import { DEFAULT_TRAIN_CONFIG } from '../spec/train-config';
import { MemoryCheckpointStore, type Checkpoint } from '../train/checkpoint';
import { storageError } from './blobs';
import {
  CHUNK_BYTES,
  IdbCheckpointStore,
  deleteAdapter,
  getAdapter,
  getCachedModel,
  getDataset,
  idbHubCache,
  latestCheckpoint,
  listAdapters,
  listCachedModels,
  listCheckpoints,
  listDatasets,
  openStudioDb,
  putAdapter,
  putCachedModel,
  putCheckpoint,
  putDataset,
  putRun,
  readDatasetPart,
  readModelPart,
  renameAdapter,
  updateRun,
  type AdapterInput,
} from './index';
import { countChunks } from './runs';

let dbCount = 0;
const freshName = () => `studio-test-${++dbCount}-${Math.random().toString(36).slice(2)}`;

function adapterInput(id: string, name = id): AdapterInput {
  return {
    id,
    name,
    baseModel: 'HuggingFaceTB/SmolLM2-135M',
    rank: 8,
    alpha: 16,
    targets: ['q_proj', 'v_proj'],
    dataset: { id: 'ds1', name: 'moby' },
    finalLoss: { train: 1.5, eval: 1.7 },
    runId: null,
    config: { peft_type: 'LORA', r: 8, lora_alpha: 16 },
  };
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

const DEFAULT_SPEC: TrainRunSpec = {
  name: 'run',
  datasetId: 'd',
  lora: DEFAULT_LORA_CONFIG,
  train: DEFAULT_TRAIN_CONFIG,
  samples: { prompts: [], every: 0, maxNewTokens: 8, temperature: 0, seed: 0 },
};

describe('adapters', () => {
  it('saves, lists, reads, renames and deletes, chunking large weights', async () => {
    const db = await openStudioDb({ name: freshName() });
    const weights = bytes(2 * CHUNK_BYTES + 123);
    const saved = await putAdapter(db, adapterInput('a1', 'first'), weights);
    expect(saved.parts.weights).toEqual({ byteLength: weights.byteLength, chunks: 3 });
    expect(saved.sizeBytes).toBe(weights.byteLength);
    await putAdapter(db, adapterInput('a2', 'second'), bytes(10, 2));
    expect((await listAdapters(db)).map((a) => a.name)).toEqual(['second', 'first']);
    const got = await getAdapter(db, 'a1');
    expect(got?.record.targets).toEqual(['q_proj', 'v_proj']);
    // toEqual walks 16 MiB element by element (minutes); compare bytes directly.
    expect(got && Buffer.compare(got.weights, weights)).toBe(0);
    const renamed = await renameAdapter(db, 'a1', '  moby style  ');
    expect(renamed.name).toBe('moby style');
    await expect(renameAdapter(db, 'a1', ' ')).rejects.toBeInstanceOf(EngineError);
    await deleteAdapter(db, 'a1');
    expect(await getAdapter(db, 'a1')).toBeNull();
    expect(await countChunks(db, 'adapters', 'a1')).toBe(0);
    expect(await countChunks(db, 'adapters', 'a2')).toBe(1);
    db.close();
  });

  it('an interrupted write leaves no partial record and keeps the previous version', async () => {
    const db = await openStudioDb({ name: freshName() });
    const v1 = bytes(100, 7);
    await putAdapter(db, adapterInput('a', 'old'), v1);
    const controller = new AbortController();
    const big = bytes(3 * CHUNK_BYTES, 9);
    let progressCalls = 0;
    const write = putAdapter(db, adapterInput('a', 'new'), big, {
      signal: controller.signal,
      onProgress: (written) => {
        progressCalls++;
        // Abort after the first chunk is in the transaction: the rest never gets written.
        if (written >= CHUNK_BYTES) controller.abort();
      },
    });
    await expect(write).rejects.toBeInstanceOf(CancelledError);
    expect(progressCalls).toBe(1);
    const after = await getAdapter(db, 'a');
    expect(after?.record.name).toBe('old');
    expect(after?.weights).toEqual(v1);
    expect(await countChunks(db, 'adapters', 'a')).toBe(1);
    // A brand-new record interrupted the same way does not appear at all.
    const c2 = new AbortController();
    const w2 = putAdapter(db, adapterInput('b'), big, { signal: c2.signal, onProgress: () => c2.abort() });
    await expect(w2).rejects.toBeInstanceOf(CancelledError);
    expect(await getAdapter(db, 'b')).toBeNull();
    expect(await countChunks(db, 'adapters', 'b')).toBe(0);
    db.close();
  });

  it('maps QuotaExceededError to a QuotaError with an actionable message', () => {
    const err = storageError(new DOMException('The quota has been exceeded.', 'QuotaExceededError'));
    expect(err).toBeInstanceOf(QuotaError);
    expect(err.message).toMatch(/storage is full/i);
    const viaTx = storageError(new DOMException('aborted', 'AbortError'), new DOMException('q', 'QuotaExceededError'));
    expect(viaTx).toBeInstanceOf(QuotaError);
  });
});

describe('migration v1 → v2', () => {
  it('upgrades adapter records and adds the new stores', async () => {
    const name = freshName();
    const v1 = await openStudioDb({ name, version: 1 });
    expect([...v1.objectStoreNames].sort()).toEqual(['adapters', 'chunks', 'datasets']);
    // A record as v1 wrote it: `targetModules`, no `updatedAt`.
    const { targets: _t, ...rest } = adapterInput('old');
    const legacy = {
      ...rest,
      targetModules: ['q_proj'],
      createdAt: 1000,
      sizeBytes: 3,
      parts: { weights: { byteLength: 3, chunks: 1 } },
    };
    const tx = v1.transaction(['adapters', 'chunks'], 'readwrite');
    // The v1 record type differs from today's on purpose; write it through the untyped IDB store.
    tx.objectStore('adapters').put(legacy as never);
    tx.objectStore('chunks').put({
      owner: 'adapters',
      id: 'old',
      part: 'weights',
      offset: 0,
      data: new Uint8Array([1, 2, 3]).buffer,
    });
    await tx.done;
    v1.close();

    const v2 = await openStudioDb({ name });
    expect([...v2.objectStoreNames].sort()).toEqual([
      'adapters',
      'checkpoints',
      'chunks',
      'datasets',
      'hub',
      'models',
      'runs',
    ]);
    const got = await getAdapter(v2, 'old');
    expect(got?.record).toMatchObject({ targets: ['q_proj'], updatedAt: 1000, createdAt: 1000 });
    expect(got?.record).not.toHaveProperty('targetModules');
    expect(got?.weights).toEqual(new Uint8Array([1, 2, 3]));
    expect((await listAdapters(v2)).map((a) => a.id)).toEqual(['old']);
    v2.close();
  });
});

describe('datasets, models, runs', () => {
  it('stores datasets with typed-array parts', async () => {
    const db = await openStudioDb({ name: freshName() });
    const ids = new Int32Array([1, 2, 3, 50_000]);
    const record = await putDataset(
      db,
      {
        id: 'd',
        name: 'moby',
        source: { fileName: 'moby.jsonl', format: 'jsonl', byteLength: 99 },
        shape: 'text',
        exampleCount: 1,
        tokenCount: 4,
        tokenizer: 'smollm2',
        info: {},
      },
      { ids: new Uint8Array(ids.buffer), lossMask: new Uint8Array([1, 1, 1, 0]) },
    );
    expect((await listDatasets(db)).map((d) => d.id)).toEqual(['d']);
    const back = await readDatasetPart(db, (await getDataset(db, 'd'))!, 'ids');
    expect(new Int32Array(back.buffer)).toEqual(ids);
    expect(record.sizeBytes).toBe(20);
    db.close();
  });

  it('caches models and tracks use order', async () => {
    const db = await openStudioDb({ name: freshName() });
    await putCachedModel(
      db,
      { id: 'm1', name: 'a', source: 'x@main', quant: 'nf4', info: {} },
      { 'layers.0.q': bytes(64) },
    );
    await new Promise((r) => setTimeout(r, 5));
    await putCachedModel(db, { id: 'm2', name: 'b', source: 'y@main', quant: 'int8', info: {} }, { w: bytes(8) });
    await new Promise((r) => setTimeout(r, 5));
    const m1 = await getCachedModel(db, 'm1');
    expect(await readModelPart(db, m1!, 'layers.0.q')).toEqual(bytes(64));
    expect((await listCachedModels(db)).map((m) => m.id)).toEqual(['m2', 'm1']);
    db.close();
  });

  it('keeps run metrics and the newest checkpoints; implements the trainer CheckpointStore', async () => {
    const db = await openStudioDb({ name: freshName() });
    await putRun(db, {
      id: 'r',
      name: 'run',
      createdAt: 1,
      updatedAt: 1,
      status: 'running',
      config: { spec: DEFAULT_SPEC },
      baseModel: 'm',
      datasetId: null,
      adapterId: null,
      metrics: [],
      error: null,
    });
    await updateRun(db, 'r', {}, [{ step: 1, loss: 2, time: 1 }]);
    const run = await updateRun(db, 'r', { status: 'completed' }, [{ step: 2, loss: 1.5, time: 2 }]);
    expect(run.metrics.map((m) => m.loss)).toEqual([2, 1.5]);
    for (const step of [10, 20, 30]) await putCheckpoint(db, 'r', step, bytes(16, step), { keep: 2 });
    expect((await listCheckpoints(db, 'r')).map((c) => c.step)).toEqual([20, 30]);
    expect((await latestCheckpoint(db, 'r'))?.state).toEqual(bytes(16, 30));

    const cp: Checkpoint = {
      version: 1,
      step: 5,
      params: { 'l.lora_A': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } },
      adam: {
        step: 5,
        m: { 'l.lora_A': new Float32Array(6).fill(0.1) },
        v: { 'l.lora_A': new Float32Array(6).fill(0.2) },
      },
      rng: [1, 2, 3, 4],
      data: { epoch: 0, cursor: 1, order: [2, 0, 1], rng: [5, 6, 7, 8] },
      metrics: [],
      lrScale: 1,
      elapsedMs: 10,
      config: { r: 2 },
    };
    const store = new IdbCheckpointStore(db);
    expect(await store.loadLatest('none')).toBeNull();
    await store.save('run2', cp);
    const mem = new MemoryCheckpointStore();
    await mem.save('run2', cp);
    expect(await store.loadLatest('run2')).toEqual(await mem.loadLatest('run2'));
    db.close();
  });
});

describe('hub cache', () => {
  it('appends, reads ranges across chunks, keeps records and removes by prefix', async () => {
    const db = await openStudioDb({ name: freshName() });
    const cache = idbHubCache(db);
    expect(await cache.size('org/m/main/model.safetensors')).toBe(0);
    const all = bytes(1000, 3);
    await cache.append('org/m/main/model.safetensors', all.subarray(0, 300));
    await cache.append('org/m/main/model.safetensors', all.subarray(300, 1000));
    expect(await cache.size('org/m/main/model.safetensors')).toBe(1000);
    expect(await cache.read('org/m/main/model.safetensors', 250, 320)).toEqual(all.subarray(250, 320));
    expect(await cache.read('org/m/main/model.safetensors')).toEqual(all);
    await cache.putRecord('org/m/main/manifest', { files: 1 });
    expect(await cache.getRecord<{ files: number }>('org/m/main/manifest')).toEqual({ files: 1 });
    expect(await cache.listRecords('org/m/')).toEqual(['org/m/main/manifest']);
    await cache.remove('org/m/');
    expect(await cache.size('org/m/main/model.safetensors')).toBe(0);
    expect(await cache.listRecords('org/')).toEqual([]);
    expect(await countChunks(db, 'hub', 'f:org/m/main/model.safetensors')).toBe(0);
    db.close();
  });
});
