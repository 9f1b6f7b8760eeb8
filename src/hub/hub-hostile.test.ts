// A wrong or hostile hub (#13): listing sizes that are not byte counts, bodies longer than listed, path-like names.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHubServer, type HubServer } from '../../scripts/hub-server';
import { fileKey } from './cache';
import { loadFromHub } from './hub-loader';
import { memoryHubCache } from './memory-cache';

const FIXTURE = path.resolve(__dirname, '../../fixtures/models/llama-tied');
let server: HubServer;

beforeAll(async () => {
  server = await startHubServer({ repos: { 'test/tiny': { dir: FIXTURE } } });
});
afterAll(() => server.close());

/** fetch that rewrites every file-listing entry for model.safetensors with `edit`. */
function listingEditor(edit: (entry: { size: unknown; lfs?: { size: unknown } }) => void): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const res = await fetch(input, init);
    if (!String(input).includes('/tree/')) return res;
    const entries = (await res.json()) as { path: string; size: unknown; lfs?: { size: unknown } }[];
    for (const e of entries) if (e.path === 'model.safetensors') edit(e);
    return new Response(JSON.stringify(entries), { status: res.status, headers: res.headers });
  }) as typeof fetch;
}

describe('hub loader against a hostile listing', () => {
  it.each([[-1], [Number.NaN], ['12'], [2 ** 60]])(
    'refuses a listed size of %s before downloading weights',
    async (size) => {
      const cache = memoryHubCache();
      const f = listingEditor((e) => {
        e.size = size;
        if (e.lfs) e.lfs.size = size;
      });
      await expect(loadFromHub({ repo: 'test/tiny', hubUrl: server.url, cache, fetch: f })).rejects.toThrow(
        /model\.safetensors the size .* not a byte count/,
      );
      expect(await cache.size(fileKey('test/tiny', 'main', 'model.safetensors'))).toBe(0);
    },
  );

  it('stops a body longer than the listed size and stores nothing past it', async () => {
    const cache = memoryHubCache();
    const f = listingEditor((e) => {
      e.size = 100;
      if (e.lfs) e.lfs.size = 100;
    });
    await expect(loadFromHub({ repo: 'test/tiny', hubUrl: server.url, cache, fetch: f })).rejects.toThrow(
      /sent more than the 100 bytes listed for model\.safetensors/,
    );
    expect(await cache.size(fileKey('test/tiny', 'main', 'model.safetensors'))).toBeLessThanOrEqual(100);
  });
});
