/**
 * An engine served over an in-memory MessageChannel with its own fake-indexeddb database (the caller imports
 * 'fake-indexeddb/auto'), initialised on wasm: the worker protocol exactly as the page uses it.
 */
import { nodeEngineDeps } from '../engine/deps.node.js';
import { LocalEngine } from '../engine/local-engine';
import { serveEngine } from '../engine/serve';
import { EngineClient } from '../protocol/client';
import { openStudioDb, type StudioDb } from '../storage';

export async function channelEngine(dbName: string): Promise<{ client: EngineClient; db: StudioDb }> {
  const db = await openStudioDb({ name: `${dbName}-${Math.random()}` });
  const client = new EngineClient({
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      serveEngine(port1, new LocalEngine(nodeEngineDeps(null, async () => db)));
      return port2;
    },
  });
  await client.request('init', { preference: 'wasm' });
  return { client, db };
}
