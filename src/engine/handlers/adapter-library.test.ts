// Adapter library requests through the real protocol (client ⇄ MessageChannel ⇄ worker side) on fake-indexeddb.
import 'fake-indexeddb/auto';
import { exportFileNames } from '../../export/use-with';
import { afterEach, describe, expect, it } from 'vitest';
import { servedClient } from '../../test-utils/channel-engine.node.js';
import type { EngineClient } from '../../protocol/client';
import { EngineError, InvalidRequestError } from '../../spec/errors';
import { openStudioDb, putAdapter, putCheckpoint, putRun, type StudioDb } from '../../storage';
import { nodeEngineDeps } from '../deps.node.js';
import { LocalEngine } from '../local-engine';
import { unzipSync } from 'fflate';

let client: EngineClient | null = null;
afterEach(() => client?.dispose());

async function setup(): Promise<{ client: EngineClient; db: StudioDb }> {
  const db = await openStudioDb({ name: `engine-adapters-${Math.random()}` });
  const served = servedClient(async () => db);
  client = served;
  return { client: served, db };
}

const input = (id: string, name: string) => ({
  id,
  name,
  baseModel: 'tiny',
  rank: 4,
  alpha: 8,
  targets: ['q_proj'],
  dataset: null,
  finalLoss: null,
  runId: null,
  config: { peft_type: 'LORA', r: 4 },
});

describe('adapter requests', () => {
  it('lists, fetches (weights as an ArrayBuffer), renames and deletes; summarises storage', async () => {
    const { client, db } = await setup();
    await putAdapter(db, input('a', 'alpha'), new Uint8Array([1, 2, 3, 4]));
    await putCheckpoint(db, 'run', 3, new Uint8Array(10));
    await putRun(db, {
      id: 'run',
      name: 'run',
      createdAt: 1,
      updatedAt: 1,
      status: 'completed',
      config: {},
      baseModel: 'lorastudio-demo',
      datasetId: null,
      adapterId: null,
      metrics: [],
      error: null,
    });
    expect((await client.request('listAdapters', {})).map((a) => a.name)).toEqual(['alpha']);
    const got = await client.request('getAdapter', { id: 'a' });
    expect(got.weights).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(got.weights)]).toEqual([1, 2, 3, 4]);
    expect((await client.request('renameAdapter', { id: 'a', name: 'beta' })).name).toBe('beta');
    expect(await client.request('storageSummary', {})).toMatchObject({
      adapters: { count: 1, bytes: 4 },
      checkpoints: { count: 1, bytes: 10 },
      runs: { count: 1, bytes: 0 },
      models: { count: 0, bytes: 0 },
    });
    await client.request('deleteAdapter', { id: 'a' });
    await expect(client.request('getAdapter', { id: 'a' })).rejects.toBeInstanceOf(InvalidRequestError);
    expect(await client.request('listAdapters', {})).toEqual([]);
  });

  it('downloads one zip named after the adapter; base_model_name_or_path names the base PEFT can load', async () => {
    const { client, db } = await setup();
    const cases: [string, string, string][] = [
      ['HuggingFaceTB/SmolLM2-135M', 'HuggingFaceTB/SmolLM2-135M', 'hub'],
      ['local:my-base', './my-base', 'dropped'],
      ['lorastudio-demo', 'lorastudio-demo', 'demo'],
    ];
    // Capitals and spaces: the zip's folder is still the one the commands name ("My Run" → my-run).
    await putAdapter(db, input('caps', 'My Run'), new Uint8Array([1, 2, 3, 4]));
    expect((await client.request('exportAdapter', { id: 'caps' })).folder).toBe('my-run');
    for (const [baseModel, expected, name] of cases) {
      const config = { peft_type: 'LORA', r: 4, base_model_name_or_path: '/home/someone/else' };
      await putAdapter(db, { ...input(name, `${name} style`), baseModel, config }, new Uint8Array([1, 2, 3, 4]));
      const out = await client.request('exportAdapter', { id: name });
      expect(out.folder).toBe(`${name}-style`);
      expect(out.folder).toBe(exportFileNames(`${name} style`).peftFolder); // what "Use it with…" commands name
      const entries = unzipSync(new Uint8Array(out.zip));
      // One folder inside, named like the zip.
      expect(Object.keys(entries).sort()).toEqual(
        ['README.md', 'adapter_config.json', 'adapter_model.safetensors'].map((f) => `${name}-style/${f}`),
      );
      const inZip = JSON.parse(new TextDecoder().decode(entries[`${name}-style/adapter_config.json`]));
      expect(inZip).toMatchObject({ base_model_name_or_path: expected, revision: null, r: 4 });
    }
  });

  it('says clearly when the host has no storage', async () => {
    const engine = new LocalEngine(nodeEngineDeps());
    const err = await engine.request('listAdapters', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/IndexedDB\) is not available/);
  });
});
