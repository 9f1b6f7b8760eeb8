// httpModelFiles against a fake fetch: Range reads, a server that ignores Range, and an SPA's index.html fallback.
import { describe, expect, it } from 'vitest';
import { httpModelFiles } from './http-files';

const BODY = new Uint8Array(Array.from({ length: 100 }, (_, i) => i));

function server(opts: { ranges: boolean; spa?: boolean }) {
  const calls: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const range = new Headers(init?.headers).get('range');
    calls.push(`${init?.method ?? 'GET'} ${url.split('/').pop()} ${range ?? ''}`.trim());
    if (!url.endsWith('/model.safetensors')) {
      return opts.spa
        ? new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } })
        : new Response(null, { status: 404 });
    }
    if (init?.method === 'HEAD') return new Response(null, { headers: { 'content-length': '100' } });
    const m = /bytes=(\d+)-(\d*)/.exec(range ?? '');
    if (m && opts.ranges) return new Response(BODY.slice(Number(m[1]), Number(m[2]) + 1), { status: 206 });
    return new Response(BODY.slice());
  }) as typeof fetch;
  return { fetchFn, calls };
}

describe('httpModelFiles', () => {
  it('reads byte ranges with Range requests', async () => {
    const { fetchFn, calls } = server({ ranges: true });
    const files = httpModelFiles('http://127.0.0.1/models/m/', ['model.safetensors'], 'm', fetchFn);
    expect(await files.size('model.safetensors')).toBe(100);
    expect([...(await files.read('model.safetensors', 10, 13))]).toEqual([10, 11, 12]);
    expect(calls).toContain('GET model.safetensors bytes=10-12');
  });

  it('streams only the asked range when the server ignores Range (#13: it used to hold the whole file)', async () => {
    const { fetchFn, calls } = server({ ranges: false });
    const files = httpModelFiles('http://127.0.0.1/models/m/', ['model.safetensors'], 'm', fetchFn);
    expect([...(await files.read('model.safetensors', 5, 7))]).toEqual([5, 6]);
    expect([...(await files.read('model.safetensors', 98, 100))]).toEqual([98, 99]);
    expect(calls.filter((c) => c.startsWith('GET'))).toHaveLength(2);
  });

  it('stops pulling the body once the range is read', async () => {
    let pulled = 0;
    const fetchFn = (async (_: RequestInfo | URL, init?: RequestInit) =>
      init?.method === 'HEAD'
        ? new Response(null, { headers: { 'content-length': '10000' } })
        : new Response(
            new ReadableStream<Uint8Array>({
              pull(c) {
                pulled++;
                c.enqueue(new Uint8Array(10).fill(pulled));
                if (pulled === 1000) c.close();
              },
            }),
          )) as typeof fetch;
    const files = httpModelFiles('http://127.0.0.1/m/', ['model.safetensors'], 'm', fetchFn);
    expect([...(await files.read('model.safetensors', 15, 25))]).toEqual([2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
    expect(pulled).toBeLessThan(10);
  });

  it('a NaN or negative Content-Length is not a size: the body is counted instead', async () => {
    for (const bad of ['abc', '-5', '1e3', '']) {
      const fetchFn = (async (_: RequestInfo | URL, init?: RequestInit) =>
        init?.method === 'HEAD'
          ? new Response(null, { headers: { 'content-length': bad } })
          : new Response(BODY.slice())) as typeof fetch;
      const files = httpModelFiles('http://127.0.0.1/m/', ['model.safetensors'], 'm', fetchFn);
      expect(await files.size('model.safetensors'), bad).toBe(100);
    }
  });

  it('treats an index.html fallback or a 404 as a missing file', async () => {
    for (const spa of [true, false]) {
      const { fetchFn } = server({ ranges: true, spa });
      const files = httpModelFiles('http://127.0.0.1/models/m/', ['model.safetensors', 'config.json'], 'm', fetchFn);
      expect(await files.size('config.json')).toBeNull();
      expect(await files.list()).toEqual(['model.safetensors']);
    }
  });
});
