/**
 * `ModelFiles` over HTTP for the built-in models served from the page's own origin (`public/models/<id>/`).
 * A static server cannot list a folder, so the caller names the files. Tensors are read with Range requests so
 * the loader streams one tensor at a time. A server that ignores Range is read as a stream that keeps only the
 * asked bytes and stops after them (holding the whole file could take gigabytes). A missing or malformed
 * Content-Length (NaN made every size check pass) is replaced by counting the body as it streams by.
 */
import type { ModelFiles } from '../../spec/model-files';
import { concatBytes } from '../../util/concat-bytes';

/** Files under `baseUrl` (absolute, ending in `/`). `fetchFn` defaults to the global fetch. */
export function httpModelFiles(
  baseUrl: string,
  names: readonly string[],
  label: string,
  fetchFn: typeof fetch = fetch,
  signal?: AbortSignal,
): ModelFiles {
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
    const declared = length !== null && /^\d+$/.test(length.trim()) ? Number(length) : null;
    if (res.ok && !spaFallback && declared !== null && Number.isSafeInteger(declared)) n = declared;
    else if (res.ok && !spaFallback) n = await countBytes(name);
    sizes.set(name, n);
    return n;
  };

  /** Size of a file whose HEAD gave no usable length: its body counted while streaming, nothing kept. */
  const countBytes = async (name: string): Promise<number> => {
    const res = await fetchFn(url(name), { signal });
    if (!res.ok) throw fail(name, res.status);
    return (await streamRange(res, 0, undefined, true)).count;
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
      const res = await fetchFn(url(name), {
        headers: { Range: `bytes=${from}-${to === undefined ? '' : to - 1}` },
        signal,
      });
      if (res.status === 206) return new Uint8Array(await res.arrayBuffer());
      if (!res.ok) throw fail(name, res.status);
      // 200: the server ignored Range and sends everything; keep only [from, to) and stop reading after it.
      return (await streamRange(res, from, to, false)).bytes;
    },
  };
}

/**
 * Bytes [from, to) of a response body read as a stream (to = end when undefined), cancelling the rest; with
 * `countOnly` nothing is kept and `count` is the body's length. Memory: the range plus one chunk.
 */
async function streamRange(
  res: Response,
  from: number,
  to: number | undefined,
  countOnly: boolean,
): Promise<{ bytes: Uint8Array; count: number }> {
  if (!res.body) {
    const all = new Uint8Array(await res.arrayBuffer());
    return { bytes: countOnly ? new Uint8Array(0) : all.slice(from, to), count: all.byteLength };
  }
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let at = 0; // body offset of the next chunk
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const start = at;
      at += value.byteLength;
      if (countOnly) continue;
      const lo = Math.max(from, start);
      const hi = Math.min(to ?? at, at);
      if (hi > lo) parts.push(value.slice(lo - start, hi - start));
      if (to !== undefined && at >= to) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { bytes: concatBytes(parts), count: at };
}
