/**
 * A real engine worker thread for the liveness test (client.heartbeat.test.ts): serveEngine ⇄ LocalEngine on
 * `parentPort`, where `matmulCheck` stands in for a long synchronous wasm step — it holds the thread's event loop
 * for `blockMs` (no ping can be answered), beating the engine's liveness pulse every few ms as the model's layer
 * loop does, or not at all when `beats` is false. Started through tsx's `tsImport` (see the test's bootstrap).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nodeEngineDeps } from '../engine/deps.node.js';
import { coreHandlers } from '../engine/handlers';
import type { EngineHandlers } from '../engine/job';
import { LocalEngine } from '../engine/local-engine';
import { serveEngine, type ServerEndpoint } from '../engine/serve';
import type { WorkerMessage } from './messages';

/** What the test passes as `workerData`. */
export interface BlockedWorkerData {
  blockMs: number;
  /** Beat the liveness pulse while blocked (the model does it before every layer). */
  beats: boolean;
  /** The engine's least time between two beats. */
  pulseMs: number;
}

const data = workerData as BlockedWorkerData;
const port = parentPort;
if (!port) throw new Error('blocked-worker.testkit runs as a worker thread');

const handlers: EngineHandlers = {
  ...coreHandlers,
  matmulCheck: {
    gpu: false,
    async run(_params, job) {
      const end = Date.now() + data.blockMs;
      let layers = 0;
      // Synchronous to the end, like tfjs-wasm kernels: nothing else runs on this thread meanwhile.
      while (Date.now() < end) {
        if (data.beats && ++layers % 1000 === 0) job.state.liveness.beat();
      }
      return { backend: 'wasm', shape: [0, 0, 0], maxAbsDiff: 0, tolerance: 0, ok: true, millis: data.blockMs };
    },
  },
};

// worker_threads' port is an EventTarget too, but delivers `event.data` only through its Node-style API here.
const endpoint: ServerEndpoint = {
  postMessage: (message: WorkerMessage) => port.postMessage(message),
  addEventListener: (_type, listener) => port.on('message', (msg: unknown) => listener({ data: msg } as MessageEvent)),
  removeEventListener: () => port.removeAllListeners('message'),
};

serveEngine(endpoint, new LocalEngine({ ...nodeEngineDeps(), pulseMs: data.pulseMs }, handlers));
