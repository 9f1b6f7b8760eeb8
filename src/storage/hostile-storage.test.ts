// Hostile inputs through the browser's storage paths (#13), on fake-indexeddb: corrupt IndexedDB checkpoints
// fail naming the record and the field, and the hub loader refuses path-like names before touching the cache.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../formats/safetensors';
import { deleteCachedModel } from '../hub/cache';
import { HubError } from '../spec/hub-errors';
import { loadFromHub, openCachedModel } from '../hub/hub-loader';
import { encodeCheckpoint, type Checkpoint } from '../train/checkpoint';
import { IdbCheckpointStore, idbHubCache, latestCheckpoint, openStudioDb, putCheckpoint } from './index';

const freshName = () => `studio-hostile-${Math.random().toString(36).slice(2)}`;

const good: Checkpoint = {
  version: 1,
  step: 5,
  params: { 'l.lora_A': { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } },
  adam: { step: 5, m: { 'l.lora_A': new Float32Array(6).fill(0.1) }, v: { 'l.lora_A': new Float32Array(6).fill(0.2) } },
  rng: [1, 2, 3, 4],
  data: { epoch: 0, cursor: 1, order: [2, 0, 1], rng: [5, 6, 7, 8] },
  metrics: [],
  lrScale: 1,
  elapsedMs: 10,
  config: {},
};

/** The checkpoint bytes with the metadata JSON replaced by `meta`. */
function withMeta(meta: string): Uint8Array {
  const t = (name: string, v: number) => ({
    name,
    dtype: 'F32' as const,
    shape: [2, 3],
    data: new Float32Array(6).fill(v),
  });
  return encodeSafetensors([t('param/l.lora_A', 1), t('adam_m/l.lora_A', 0), t('adam_v/l.lora_A', 0)], {
    format: 'lora-studio-checkpoint',
    checkpoint: meta,
  });
}

describe('IndexedDB checkpoints: corrupt records fail with the record and field named', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['not safetensors', new Uint8Array([1, 2, 3]), /too small to be safetensors/],
    ['metadata not JSON', withMeta('{"version":1,'), /checkpoint metadata is not valid JSON/],
    [
      'rng of the wrong length',
      withMeta(
        JSON.stringify({ ...good, params: undefined, adam: undefined, adamStep: 5, names: ['l.lora_A'], rng: [1] }),
      ),
      /"rng" must be 4 unsigned/,
    ],
    [
      'lrScale NaN (null in JSON)',
      withMeta(
        JSON.stringify({
          ...good,
          params: undefined,
          adam: undefined,
          adamStep: 5,
          names: ['l.lora_A'],
          lrScale: null,
        }),
      ),
      /"lrScale"/,
    ],
    [
      'a name without tensors',
      withMeta(JSON.stringify({ ...good, params: undefined, adam: undefined, adamStep: 5, names: ['other'] })),
      /param\/other' is missing/,
    ],
  ];
  it.each(cases)('%s', async (_, bytes, message) => {
    const db = await openStudioDb({ name: freshName() });
    try {
      await putCheckpoint(db, 'r', 5, bytes);
      const id = (await latestCheckpoint(db, 'r'))!.record.id;
      const err = await new IdbCheckpointStore(db).loadLatest('r').then(
        () => null,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(message);
      expect(err?.message.startsWith(`checkpoint ${id}: `)).toBe(true);
      expect(err?.message).not.toMatch(/checkpoint\.safetensors/);
    } finally {
      db.close();
    }
  });

  it('a good checkpoint still round-trips', async () => {
    const db = await openStudioDb({ name: freshName() });
    await putCheckpoint(db, 'r', 5, encodeCheckpoint(good));
    expect((await new IdbCheckpointStore(db).loadLatest('r'))?.step).toBe(5);
    db.close();
  });
});

describe('hub loader on IndexedDB: path-like names are refused before any request or write', () => {
  it.each([['..'], ['.'], ['a/b'], ['..\\x']])('revision %s', async (revision) => {
    const db = await openStudioDb({ name: freshName() });
    const cache = idbHubCache(db);
    await cache.append('files/org/m/main/config.json', new Uint8Array([1]));
    const fetch = (async () => {
      throw new Error('no request expected');
    }) as typeof globalThis.fetch;
    await expect(loadFromHub({ repo: 'org/m', revision, cache, fetch, hubUrl: 'http://127.0.0.1:9' })).rejects.toThrow(
      HubError,
    );
    await expect(loadFromHub({ repo: 'org/m', revision, cache, fetch })).rejects.toThrow(/not allowed/);
    await expect(openCachedModel(cache, 'org/m', revision)).rejects.toThrow(/not allowed/);
    await expect(deleteCachedModel(cache, 'org/m', revision)).rejects.toThrow(/not allowed/);
    expect(await cache.size('files/org/m/main/config.json')).toBe(1);
    db.close();
  });
});

describe('stored datasets: ids beyond the model vocabulary are refused before training starts', () => {
  it('names the dataset, the id and the vocabulary', async () => {
    const { saveDataset } = await import('../engine/data/dataset-store');
    const { trainingData } = await import('../engine/train/train-inputs');
    const db = await openStudioDb({ name: freshName() });
    const ex = (ids: number[]) => ({
      ids: Int32Array.from(ids),
      lossMask: Uint8Array.from(ids.map((_, i) => (i ? 1 : 0))),
    });
    const prepared = { train: [ex([1, 7, 9]), ex([1, 270, 9])], eval: [], shape: 'text' } as unknown as Parameters<
      typeof saveDataset
    >[2];
    await saveDataset(
      db,
      { id: 'd', name: 'ships', source: { kind: 'files', files: [] } as never, tokenizer: 'm', info: {} },
      prepared,
    );
    await expect(trainingData(db, 'd', 'm', 256)).rejects.toThrow(
      /dataset 'ships' produces id 270 \(example 2\) but the model's config.json vocab_size is 256/,
    );
    expect((await trainingData(db, 'd', 'm', 300)).train).toHaveLength(2);
    db.close();
  });
});
