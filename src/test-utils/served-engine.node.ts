/**
 * The real worker protocol in Node: an `EngineClient` talking over a `MessageChannel` to an engine served as the
 * engine worker serves it (`serveEngine`). Each (re)connect serves a fresh engine, as a restarted worker would.
 */
import { nodeEngineDeps } from '../engine/deps.node';
import type { EngineDeps, EngineHandlers } from '../engine/job';
import { LocalEngine } from '../engine/local-engine';
import { serveEngine } from '../engine/serve';
import { EngineClient } from '../protocol/client';

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
