// Liveness across a real thread boundary: a worker thread whose event loop is blocked by a long synchronous job
// (as a tfjs-wasm training step blocks the engine worker) cannot answer pings. With the engine's liveness beats
// it stays alive for the client; without them the client declares it dead. Then the model wiring: the loaded
// model beats before every decoder layer, and the worker adapter posts due beats as `alive` messages.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { nodeEngineDeps } from '../engine/deps.node.js';
import { LocalEngine } from '../engine/local-engine';
import { serveEngine, type ServerEndpoint } from '../engine/serve';
import { fixtureFilesSource } from '../test-utils/model-fixtures.node.js';
import type { BlockedWorkerData } from './blocked-worker.testkit.node.js';
import { EngineClient, type ClientEndpoint } from './client';
import { WorkerCrashedError } from '../spec/errors';
import type { WorkerMessage } from './messages';

const clients: EngineClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
});

const WORKER_FILE = new URL('./blocked-worker.testkit.node.ts', import.meta.url).href;
// A worker thread does not inherit tsx's loader from `--import` on Node 20: the bootstrap registers it and imports.
const BOOTSTRAP = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(WORKER_FILE)}, ${JSON.stringify(WORKER_FILE)}));`;

/** A client over a worker thread running blocked-worker.testkit.node.ts. */
function threadClient(data: BlockedWorkerData): EngineClient {
  const client = new EngineClient({
    heartbeatMs: 100,
    heartbeatTimeoutMs: 1000,
    readyTimeoutMs: 30_000,
    connect: () => {
      const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data });
      const wrapped = new Map<(event: Event) => void, (x: unknown) => void>();
      const endpoint: ClientEndpoint = {
        postMessage: (message) => worker.postMessage(message),
        addEventListener: (type, listener) => {
          const fn = (x: unknown) =>
            listener(type === 'message' ? ({ type, data: x } as unknown as Event) : new Event(type));
          wrapped.set(listener, fn);
          worker.on(type, fn);
        },
        removeEventListener: (type, listener) => {
          const fn = wrapped.get(listener);
          if (fn) worker.off(type, fn);
        },
        terminate: () => void worker.terminate(),
      };
      return endpoint;
    },
  });
  clients.push(client);
  return client;
}

describe('heartbeat while the worker is blocked', () => {
  it('a worker blocked for 4× the timeout but beating stays alive and answers', async () => {
    const client = threadClient({ blockMs: 4000, beats: true, pulseMs: 50 });
    await client.whenReady();
    const result = await client.request('matmulCheck', {});
    expect(result.millis).toBe(4000);
    expect(client.state).toBe('ready');
    // And it answers pings again once the job is done.
    await expect(client.request('env', {})).resolves.toBeTruthy();
  }, 30_000);

  it('the same block without beats is declared dead by the client', async () => {
    const client = threadClient({ blockMs: 4000, beats: false, pulseMs: 50 });
    await client.whenReady();
    const started = Date.now();
    const err = await client.request('matmulCheck', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as WorkerCrashedError).detail).toMatch(/no answer to a ping/);
    // Declared within the timeout (+ one ping interval and scheduling slack), not after the block ended.
    expect(Date.now() - started).toBeLessThan(3500);
    expect(client.state).toBe('crashed');
  }, 30_000);
});

describe('liveness beats from the model', () => {
  it('the loaded model beats before every decoder layer; serveEngine posts due beats as alive messages', async () => {
    const engine = new LocalEngine({ ...nodeEngineDeps(), pulseMs: 0 });
    const posted: WorkerMessage['type'][] = [];
    const { port1 } = new MessageChannel();
    const endpoint: ServerEndpoint = {
      postMessage: (message) => posted.push(message.type),
      addEventListener: (type, l) => port1.addEventListener(type, l),
      removeEventListener: (type, l) => port1.removeEventListener(type, l),
    };
    const stop = serveEngine(endpoint, engine);
    try {
      await engine.request('init', { preference: 'wasm' });
      const info = await engine.request('loadModel', { source: fixtureFilesSource('llama-tied'), quant: 'f32' });
      posted.length = 0;
      // One forward pass over the whole sequence: one beat per layer (pulseMs 0 lets every beat through).
      await engine.request('score', { text: 'hello there', use: 'base' });
      expect(posted.filter((t) => t === 'alive')).toHaveLength(info.facts.layers);
    } finally {
      stop();
      port1.close();
      engine.dispose();
    }
  }, 30_000);
});
