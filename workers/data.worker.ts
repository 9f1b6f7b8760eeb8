/**
 * The data worker: parses, validates and tokenizes datasets and stores them in IndexedDB, off the UI thread and
 * away from the engine worker's training loop. A thin adapter over src/engine's data handlers.
 *
 * It runs a tensor-free `JobEngine` (not `LocalEngine`, which brings every handler and tfjs): nothing here may
 * import `@tensorflow`, which `workers/data-bundle.test.ts` checks on the built bundle. The page starts several of
 * these for a big preparation (app/data-engine.ts), each tokenizing a shard (`prepareShard`).
 */
import { dataHandlers } from '../src/engine/handlers/data';
import { JobEngine } from '../src/engine/job-engine';
import { serveEngine, type ServerEndpoint } from '../src/engine/serve';
import { getStudioDb } from '../src/storage';

const engine = new JobEngine(
  {
    // No tensor backend here: the data worker never calls `init`.
    wasmPaths: '',
    gpu: () => null,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    storage: typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : null,
    openDb: getStudioDb,
  },
  dataHandlers,
);

const scope: ServerEndpoint = {
  postMessage: (message, transfer) => postMessage(message, { transfer }),
  addEventListener: (type, listener) => addEventListener(type, listener),
  removeEventListener: (type, listener) => removeEventListener(type, listener),
};

serveEngine(scope, engine);
