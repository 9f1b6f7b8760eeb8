/**
 * The page's handle on the data worker (dataset parsing, validation, tokenizing, storage). Same `Engine`
 * interface as the engine worker's client; store actions call it, components never do.
 */
import { EngineClient } from '../src/protocol/client';

let client: EngineClient | null = null;

/** Starts the data worker on first use and returns its client. */
export function getDataEngine(): EngineClient {
  client ??= new EngineClient({
    connect: () => new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module', name: 'data' }),
    heartbeatMs: 15_000,
    heartbeatTimeoutMs: 90_000,
  });
  return client;
}
