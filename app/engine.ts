/**
 * The page's handle on the engine: one `EngineClient` over the engine worker. Components never call it directly;
 * store actions (app/store/engine-actions.ts) do.
 */
import { EngineClient } from '../src/protocol/client';

let client: EngineClient | null = null;

/** Starts the engine worker on first use and returns its client. */
export function getEngine(): EngineClient {
  client ??= new EngineClient({
    connect: () =>
      new Worker(new URL('../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }),
    // A worker killed by the browser (out of memory) sends nothing; 90 s without any message means dead. A busy
    // worker cannot answer pings during a long wasm step, but its model beats `alive` before every layer.
    heartbeatMs: 15_000,
    heartbeatTimeoutMs: 90_000,
  });
  return client;
}
