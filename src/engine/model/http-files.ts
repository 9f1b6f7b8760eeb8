/**
 * `ModelFiles` over HTTP for the built-in models served from the page's own origin (`public/models/<id>/`).
 * A static server cannot list a folder, so the caller names the files. Tensors are read with Range requests so
 * the loader streams one tensor at a time; a server that ignores Range gets the whole file read once and sliced.
 */
import type { ModelFiles } from '../../spec/model-files';

/** Files under `baseUrl` (absolute, ending in `/`). `fetchFn` defaults to the global fetch. */
export function httpModelFiles(baseUrl: string, names: readonly string[], label: string, fetchFn: typeof fetch = fetch,
  signal?: AbortSignal): ModelFiles {
  const sizes = new Map<string, number | null>();
  const whole = new Map<string, Uint8Array>();
  const url = (name: string) => new URL(name, baseUrl).href;
  const fail = (name: string, status: number) =>
    new Error(`${label}/${name}: the server answered ${status}${status === 404 ? ' (file not found)' : ''}`);

  const size = async (name: string): Promise<number | null> => {
    if (!names.includes(name)) return null;
    if (sizes.has(name)) return sizes.get(name)!;
    const res = await fetchFn(url(name), { method: 'HEAD', signal });
    const length = res.headers.get('content-length');
    let n: number | null = null;
    // A single-page-app server answers a missing file with index.html and 200: that is "absent" here.
    const spaFallback = (res.headers.get('content-type') ?? '').includes('text/html');
    if (res.ok && !spaFallback && length !== null) n = Number(length);
    else if (res.ok && !spaFallback) n = (await readWhole(name)).byteLength;
    sizes.set(name, n);
    return n;
  };

  const readWhole = async (name: string): Promise<Uint8Array> => {
    const cached = whole.get(name);
    if (cached) return cached;
    const res = await fetchFn(url(name), { signal });
    if (!res.ok) throw fail(name, res.status);
    const bytes = new Uint8Array(await res.arrayBuffer());
    whole.set(name, bytes);
    sizes.set(name, bytes.byteLength);
    return bytes;
  };

  return {
    label,
    async list() {
      const present = await Promise.all(names.map(async (n) => ((await size(n)) === null ? null : n)));
      return present.filter((n): n is string => n !== null);
    },
    size,
    async read(name, start, end) {
      if (!names.includes(name)) throw new Error(`${label}/${name}: file not found`);
      if (start === undefined && end === undefined) return readWhole(name);
      const cached = whole.get(name);
      if (cached) return cached.subarray(start ?? 0, end ?? cached.byteLength);
      const from = start ?? 0;
      const total = await size(name);
      const to = end ?? total ?? undefined;
      if (to !== undefined && to <= from) return new Uint8Array(0);
      const res = await fetchFn(url(name), { headers: { Range: `bytes=${from}-${to === undefined ? '' : to - 1}` }, signal });
      if (res.status === 206) return new Uint8Array(await res.arrayBuffer());
      if (!res.ok) throw fail(name, res.status);
      // 200: the server ignored Range and sent everything; keep it for the next reads.
      const bytes = new Uint8Array(await res.arrayBuffer());
      whole.set(name, bytes);
      return bytes.subarray(from, to ?? bytes.byteLength);
    },
  };
}
