// The OPFS HubCache and the hub loader in a real browser: Debian's headless Chromium (playwright-core) runs the
// bundled modules on a 127.0.0.1 page, against the local hub server (cross-origin, CORS), and reports back.
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer } from '../../scripts/hub-server';

const CHROMIUM = '/usr/bin/chromium';
let browser: Browser;
let bundle: string;
let pageServer: http.Server;
let pageUrl: string;

beforeAll(async () => {
  const out = await build({
    stdin: {
      contents: `import { opfsHubCache } from './opfs-cache'; import { loadFromHub, openCachedModel } from './hub-loader';
        Object.assign(globalThis, { opfsHubCache, loadFromHub, openCachedModel });`,
      resolveDir: __dirname,
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    // The package's `exports` has no browser condition; its `browser` field maps to this build (as Vite does).
    alias: {
      '@huggingface/hub': path.resolve(__dirname, '../../node_modules/@huggingface/hub/dist/browser/index.mjs'),
    },
    format: 'iife',
    write: false,
  });
  bundle = out.outputFiles[0].text;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  // A real loopback origin: Chromium's local-network-access rules let a 127.0.0.1 page reach the 127.0.0.1 hub
  // (as the studio on `vite preview` does), but not a page whose origin only exists in request interception.
  pageServer = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><script>${bundle}</script>`);
  });
  await new Promise<void>((ok) => pageServer.listen(0, '127.0.0.1', ok));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((ok) => pageServer?.close(ok));
});

/** Runs in the page: the same sequence as cache-contract.testkit.ts, returning what it observed. */
async function scenario(): Promise<Record<string, unknown>> {
  const make = (globalThis as unknown as { opfsHubCache: (root: string) => Promise<import('./cache').HubCache> })
    .opfsHubCache;
  const c = await make('test-root');
  const k = 'files/a/b/main/x.bin';
  const r: Record<string, unknown> = {};
  r.empty = await c.size(k);
  await c.append(k, Uint8Array.from([1, 2, 3]));
  await c.append(k, Uint8Array.from([4, 5]));
  r.size = await c.size(k);
  r.all = [...(await c.read(k))];
  r.mid = [...(await c.read(k, 2, 4))];
  r.missing = await c.read('files/a/b/main/missing').then(
    () => 'read',
    (e: Error) => e.message,
  );
  await c.putRecord('manifests/a/b/main', { n: 1 });
  await c.putRecord('manifests/a/b/main', { n: 2 });
  await c.putRecord('manifests/c/d/v1', { n: 3 });
  r.record = await c.getRecord('manifests/a/b/main');
  r.records = (await c.listRecords('manifests/')).sort();
  await c.append('files/a/b/main/sub/y', Uint8Array.from([9]));
  await c.append('files/a/bc/main/x', Uint8Array.from([7]));
  await c.putRecord('state/files/a/b/main/x.bin', { oid: '1' });
  await c.remove('files/a/b/main/');
  await c.remove('state/files/a/b/main/');
  r.afterRemove = [await c.size(k), await c.size('files/a/b/main/sub/y'), await c.size('files/a/bc/main/x')];
  r.stateGone = await c.getRecord('state/files/a/b/main/x.bin');
  r.manifestKept = await c.getRecord('manifests/a/b/main');
  r.free = await c.freeBytes();
  const again = await make('test-root'); // a fresh handle sees the same data (persistence)
  r.reopened = [...(await again.read('files/a/bc/main/x'))];
  return r;
}

describe('OPFS hub cache in Chromium', () => {
  it('loads from a local hub cross-origin, resumes a dropped download, reopens offline', async () => {
    const fixture = path.resolve(__dirname, '../../fixtures/models/llama-sharded');
    const shard = 'model-00002-of-00002.safetensors';
    const server = await startHubServer({ repos: { 'test/llama': { dir: fixture } } });
    const page = await browser.newPage();
    await page.goto(pageUrl);
    server.dropNext(shard, 10_000);
    const first = await page.evaluate(`(async () => {
      const cache = await opfsHubCache('hub-e2e');
      try { await loadFromHub({ repo: 'test/llama', hubUrl: '${server.url}', cache }); return 'loaded'; }
      catch (e) { return { name: e.name, bytesDone: e.bytesDone, resumable: e.resumable }; }
    })()`);
    expect(first).toEqual({ name: 'HubNetworkError', bytesDone: 10_000, resumable: true });
    server.requests.length = 0;
    const second = await page.evaluate(`(async () => {
      const hub = await loadFromHub({ repo: 'test/llama', hubUrl: '${server.url}', cache: await opfsHubCache('hub-e2e') });
      return { fromCache: hub.fromCache, size: (await hub.files.read('${shard}')).byteLength };
    })()`);
    expect(second).toEqual({ fromCache: false, size: statSync(path.join(fixture, shard)).size });
    const resumed = server.requests.filter((r) => r.url.endsWith(shard) && r.method === 'GET');
    expect(resumed.map((r) => r.range)).toEqual(['bytes=10000-']);
    await server.close();
    const offline = await page.evaluate(`(async () => {
      const hub = await loadFromHub({ repo: 'test/llama', hubUrl: '${server.url}', cache: await opfsHubCache('hub-e2e') });
      return { fromCache: hub.fromCache, files: (await hub.files.list()).length, arch: hub.config.architecture };
    })()`);
    expect(offline).toEqual({ fromCache: true, files: 4, arch: 'LlamaForCausalLM' });
    await page.close();
  });

  it('appends, reads ranges, keeps records, removes by prefix, and persists', async () => {
    const page = await browser.newPage();
    await page.goto(pageUrl);
    const r = await page.evaluate(`(${scenario.toString()})()`);
    await page.close();
    expect(r).toMatchObject({
      empty: 0,
      size: 5,
      all: [1, 2, 3, 4, 5],
      mid: [3, 4],
      record: { n: 2 },
      records: ['manifests/a/b/main', 'manifests/c/d/v1'],
      afterRemove: [0, 0, 1],
      stateGone: null,
      manifestKept: { n: 2 },
      reopened: [7],
    });
    expect(String((r as { missing: string }).missing)).toMatch(/not found/);
    expect(typeof (r as { free: unknown }).free).toBe('number');
  });
});
