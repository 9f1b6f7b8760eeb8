// The protocol end to end: EngineClient ⇄ MessageChannel ⇄ serveEngine ⇄ LocalEngine, all in Node.
import { afterEach, describe, expect, it } from 'vitest';
import { LocalEngine } from '../engine/local-engine';
import { serveEngine, type ServerEndpoint } from '../engine/serve';
import { nodeEngineDeps } from '../engine/deps.node.js';
import { coreHandlers } from '../engine/handlers';
import type { EngineHandlers } from '../engine/job';
import { EngineClient, type ClientEndpoint } from './client';
import { CancelledError, InvalidRequestError, ProtocolError, WorkerCrashedError } from '../spec/errors';
import { PROTOCOL_VERSION, type EngineEvent } from './messages';

/** A matmulCheck that only ends when cancelled, reporting progress first: a stand-in for a long job. */
const slowHandlers: EngineHandlers = {
  ...coreHandlers,
  matmulCheck: {
    gpu: false,
    run: (_params, job) =>
      new Promise((_resolve, reject) => {
        job.progress('waiting', 1, 10, 'steps');
        job.signal.addEventListener('abort', () => reject(job.signal.reason));
      }),
  },
};

const clients: EngineClient[] = [];

/** Starts a served engine on a fresh channel per connect() and returns the client plus the last port pair. */
function setup(handlers: EngineHandlers = coreHandlers, heartbeatMs = 0) {
  const ports: { client: MessagePort; server: MessagePort; stop: () => void }[] = [];
  const client = new EngineClient({
    heartbeatMs,
    heartbeatTimeoutMs: heartbeatMs * 5,
    connect: () => {
      const { port1, port2 } = new MessageChannel();
      const stop = serveEngine(port1 satisfies ServerEndpoint, new LocalEngine(nodeEngineDeps(), handlers));
      ports.push({ client: port2, server: port1, stop });
      return port2 satisfies ClientEndpoint;
    },
  });
  clients.push(client);
  return { client, ports };
}

afterEach(() => {
  for (const c of clients.splice(0)) c.dispose();
});

describe('EngineClient over a MessageChannel', () => {
  it('initialises a backend, reports env and checks a matmul', async () => {
    const { client } = setup();
    await client.whenReady();
    expect(client.state).toBe('ready');
    const report = await client.request('init', { preference: 'auto' });
    // No WebGPU in plain Node: wasm, and the reason says why.
    expect(report.backend).toBe('wasm');
    expect(report.reason).toMatch(/no WebGPU/);
    expect(report.adapter).toBeNull();
    const env = await client.request('env', {});
    expect(env.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(env.backend?.backend).toBe('wasm');
    const check = await client.request('matmulCheck', { m: 4, k: 32, n: 5, seed: 7 });
    expect(check).toMatchObject({ backend: 'wasm', shape: [4, 32, 5], ok: true });
    expect(check.maxAbsDiff).toBeLessThan(1e-5);
    const cpu = await client.request('init', { preference: 'cpu' });
    expect(cpu).toMatchObject({ backend: 'cpu', reason: 'cpu chosen by the user' });
    const storage = await client.request('storageEstimate', {});
    expect(storage).toEqual({ usageBytes: null, quotaBytes: null, persisted: null });
  });

  it('rebuilds typed errors from the wire', async () => {
    const { client } = setup();
    const err = await client.request('matmulCheck', { m: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as Error).message).toMatch(/m must be an integer/);
    // The worker survives a failed request.
    await expect(client.request('env', {})).resolves.toMatchObject({ protocolVersion: PROTOCOL_VERSION });
  });

  it('routes job events to the caller and cancels through AbortSignal', async () => {
    const { client } = setup(slowHandlers);
    const seen: EngineEvent[] = [];
    const all: EngineEvent[] = [];
    client.subscribe((e) => all.push(e));
    const controller = new AbortController();
    const call = client.request('matmulCheck', {}, { signal: controller.signal, onEvent: (e) => seen.push(e) });
    await waitFor(() => seen.length > 0);
    expect(seen[0]).toMatchObject({ kind: 'progress', stage: 'waiting', done: 1, total: 10, unit: 'steps' });
    expect(all).toContainEqual(seen[0]);
    controller.abort();
    await expect(call).rejects.toBeInstanceOf(CancelledError);
    await expect(client.request('env', {})).resolves.toBeTruthy();
  });

  it('rejects pending calls when the worker dies, then restarts', async () => {
    const { client, ports } = setup(slowHandlers);
    await client.whenReady();
    const states: string[] = [];
    client.onStateChange((s) => states.push(s));
    const call = client.request('matmulCheck', {});
    await waitFor(() => ports.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    // A Worker fires 'error' when its script throws at top level or fails to load.
    ports[0].client.dispatchEvent(new Event('error'));
    await expect(call).rejects.toBeInstanceOf(WorkerCrashedError);
    expect(client.state).toBe('crashed');
    await expect(client.request('env', {})).rejects.toBeInstanceOf(WorkerCrashedError);
    await client.restart();
    expect(ports).toHaveLength(2);
    await expect(client.request('env', {})).resolves.toMatchObject({ backend: null });
    expect(states).toEqual(['crashed', 'starting', 'ready']);
  });

  it('declares a silent worker dead through missed heartbeats', async () => {
    const { client, ports } = setup(slowHandlers, 20);
    await client.whenReady();
    const call = client.request('matmulCheck', {});
    // Simulate a killed worker: the server stops answering (no error event is fired in that case).
    ports[0].stop();
    ports[0].server.close();
    const err = await call.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerCrashedError);
    expect((err as Error).message).toMatch(/engine worker stopped/);
  });

  it('refuses a worker speaking another protocol version', async () => {
    const client = new EngineClient({
      connect: () => {
        const { port1, port2 } = new MessageChannel();
        port1.postMessage({ type: 'ready', protocolVersion: PROTOCOL_VERSION + 1 });
        return port2;
      },
    });
    clients.push(client);
    await expect(client.request('env', {})).rejects.toBeInstanceOf(ProtocolError);
  });

  it('ignores malformed messages from the page', async () => {
    const { client, ports } = setup();
    const logs: EngineEvent[] = [];
    client.subscribe((e) => logs.push(e));
    await client.whenReady();
    ports[0].client.postMessage({ type: 'request', id: 1, kind: 'formatDisk', params: {} });
    await waitFor(() => logs.length > 0);
    expect(logs[0]).toMatchObject({ kind: 'log', level: 'warn' });
    await expect(client.request('env', {})).resolves.toBeTruthy();
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
