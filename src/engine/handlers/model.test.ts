// Model requests through the real protocol (client ⇄ MessageChannel ⇄ worker side), on the wasm backend, with a
// committed tiny checkpoint dropped as File objects (the browser's "drop local files" path) and served over HTTP.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { servedClient } from '../../test-utils/channel-engine.node.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineClient } from '../../protocol/client';
import { CancelledError, EngineError } from '../../spec/errors';
import type { EngineEvent } from '../../protocol/messages';
import { modelFixtureDir } from '../../test-utils/model-fixtures.node.js';

const DIR = modelFixtureDir('llama-tied');
const NAMES = readdirSync(DIR).filter((n) => n !== 'golden.json');
const files = () => NAMES.map((name) => ({ name, blob: new Blob([readFileSync(path.join(DIR, name))]) }));

let client: EngineClient;
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  client = servedClient();
  await client.request('init', { preference: 'wasm' });
  // A static server that honours Range, like `vite preview` serving public/models/.
  server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').split('/').pop() ?? '');
    if (!NAMES.includes(name)) return void res.writeHead(404).end();
    const bytes = readFileSync(path.join(DIR, name));
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? '');
    if (range) {
      const end = range[2] ? Number(range[2]) + 1 : bytes.length;
      res.writeHead(206, { 'content-length': end - Number(range[1]) });
      return void res.end(bytes.subarray(Number(range[1]), end));
    }
    res.writeHead(200, { 'content-length': bytes.length });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  baseUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/models/tiny/`;
});
afterAll(() => {
  client.dispose();
  server.close();
});
afterEach(async () => {
  await client.request('unloadModel', {});
});

describe('model requests', () => {
  it('inspects a config: facts and memory per quantization, most precise first', async () => {
    const r = await client.request('inspectModel', { source: { kind: 'files', name: 'tiny', files: files() } });
    expect(r.facts.family).toBe('llama');
    expect(r.facts.parameters).toBeGreaterThan(0);
    expect(r.estimates.map((e) => e.mode)).toEqual(['f32', 'f16', 'int8', 'nf4', 'int4']);
    const bytes = Object.fromEntries(r.estimates.map((e) => [e.mode, e.bytes]));
    expect(bytes.f32).toBeGreaterThan(bytes.int8);
    expect(bytes.int8).toBeGreaterThan(bytes.nf4);
    expect(r.device.backend).toBe('wasm');
  });

  it('loads dropped files as int8 with staged progress, then reports modelInfo', async () => {
    const events: EngineEvent[] = [];
    const info = await client.request(
      'loadModel',
      { source: { kind: 'files', name: 'tiny', files: files() }, quant: 'int8' },
      { onEvent: (e) => events.push(e) },
    );
    expect(info).toMatchObject({
      id: 'local:tiny',
      quant: 'int8',
      embeddings: 'f32',
      backend: 'wasm',
      sourceKind: 'files',
    });
    const stages = [...new Set(events.flatMap((e) => (e.kind === 'progress' ? [e.stage] : [])))];
    expect(stages).toEqual(['parse', 'quantize', 'upload']);
    const last = events.filter((e) => e.kind === 'progress' && e.stage === 'quantize').at(-1);
    expect(last && last.kind === 'progress' && last.done === last.total).toBe(true);
    expect(await client.request('modelInfo', {})).toEqual(info);
  });

  it('loads a built-in model over HTTP with Range reads', async () => {
    const info = await client.request('loadModel', {
      source: { kind: 'builtin', id: 'tiny', baseUrl, files: NAMES },
      quant: 'f32',
    });
    expect(info.id).toBe('tiny');
    expect(info.facts.layers).toBeGreaterThan(0);
  });

  it('names a missing file and leaves no model behind', async () => {
    const partial = files().filter((f) => !f.name.endsWith('.safetensors'));
    const err = await client
      .request('loadModel', { source: { kind: 'files', name: 'tiny', files: partial }, quant: 'nf4' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as Error).message).toMatch(/safetensors/);
    expect(await client.request('modelInfo', {})).toBeNull();
  });

  it('cancels through an AbortSignal', async () => {
    const controller = new AbortController();
    const p = client.request(
      'loadModel',
      { source: { kind: 'files', name: 'tiny', files: files() }, quant: 'nf4' },
      { signal: controller.signal, onEvent: (e) => e.kind === 'progress' && e.stage === 'parse' && controller.abort() },
    );
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });
});
