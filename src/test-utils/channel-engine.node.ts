/**
 * The worker protocol exactly as the page uses it, in Node: an `EngineClient` talking over an in-memory
 * `MessageChannel` to an engine served as the engine worker serves it (`serveEngine`). Each (re)connect serves a
 * fresh engine, as a restarted worker would.
 */
import { nodeEngineDeps } from '../engine/deps.node.js';
import type { EngineDeps, EngineHandlers } from '../engine/job';
import { LocalEngine } from '../engine/local-engine';
import { serveEngine } from '../engine/serve';
import { EngineClient } from '../protocol/client';
import type { Engine } from '../protocol/engine';
import type { ModelSource, NamedBlob } from '../protocol/model-types';
import { openStudioDb, type StudioDb } from '../storage';

/** A client of a served `LocalEngine` with Node's deps (`openDb` for storage) and `handlers` (default: all). */
export function servedClient(openDb: EngineDeps['openDb'] = null, handlers?: Partial<EngineHandlers>): EngineClient {
  return new EngineClient({
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      serveEngine(port1, new LocalEngine(nodeEngineDeps(null, openDb), handlers));
      return port2;
    },
  });
}

/** An in-process `LocalEngine` (no channel) with its own fake-indexeddb database, on wasm. */
export async function localEngine(dbName: string): Promise<{ engine: LocalEngine; db: StudioDb }> {
  const db = await openStudioDb({ name: `${dbName}-${Math.random()}` });
  const engine = new LocalEngine(nodeEngineDeps(null, async () => db));
  await engine.request('init', { preference: 'wasm' });
  return { engine, db };
}

/** A served engine with its own fake-indexeddb database (the caller imports 'fake-indexeddb/auto'), on wasm. */
export async function channelEngine(dbName: string): Promise<{ client: EngineClient; db: StudioDb }> {
  const db = await openStudioDb({ name: `${dbName}-${Math.random()}` });
  const client = servedClient(async () => db);
  await client.request('init', { preference: 'wasm' });
  return { client, db };
}

/**
 * Prepares `files` as a stored dataset (seed 1, `evalSplit` held out) for the model `tokenizerId`, tokenized with the
 * tokenizer of `source`; returns the dataset id.
 */
export async function prepareDataset(
  engine: Pick<Engine, 'request'>,
  p: { name: string; files: NamedBlob[]; source: ModelSource; tokenizerId: string; evalSplit: number },
): Promise<string> {
  const prepared = await engine.request('prepareData', {
    name: p.name,
    files: p.files,
    tokenizer: p.source,
    tokenizerId: p.tokenizerId,
    options: { evalSplit: p.evalSplit, seed: 1 },
  });
  if (!prepared.datasetId) throw new Error(`dataset ${p.name} was not stored`);
  return prepared.datasetId;
}
