/**
 * One file from the hub into the cache, resumable. @huggingface/hub's `downloadFile` returns a lazy Blob with no
 * progress, no AbortSignal and no notion of bytes already on disk, so the transfer itself is a plain `fetch` with
 * an HTTP Range header starting where the cached prefix ends. Bytes are flushed to the cache in blocks as they
 * arrive: when the connection drops, everything received so far survives and the next call asks only for the rest.
 */
import { fileKey, type HubCache, type ManifestFile } from './cache';
import { HubNetworkError, HubResponseError, HubStorageError, isAbortError } from '../spec/hub-errors';
import { checkResponse, type HubRequest } from './http';
import { concatBytes } from '../util/concat-bytes';

/** Flush granularity: large enough for few cache writes, small enough to lose little on a drop. */
const FLUSH_BYTES = 4 << 20;

/** Per-file transfer progress, called at most every few chunks. */
export interface FileTransfer {
  path: string;
  /** Bytes of this file in the cache (resumed prefix included). */
  done: number;
  total: number;
  /** Bytes fetched over the network in this call (excludes the resumed prefix). */
  fetched: number;
}

/** Downloads `file` unless the cache already holds all of it; resolves to the bytes fetched over the network. */
export async function downloadToCache(
  req: HubRequest,
  cache: HubCache,
  file: ManifestFile,
  onChunk: (t: FileTransfer) => void,
): Promise<number> {
  const key = fileKey(req.repo, req.revision, file.path);
  const stateKey = `state/${key}`;
  const state = await cache.getRecord<{ oid: string | null }>(stateKey);
  let have = await cache.size(key);
  if (have > 0 && (state === null || state.oid !== file.oid || have > file.size)) {
    await cache.remove(key); // the remote file changed since the partial download: start over
    have = 0;
  }
  await cache.putRecord(stateKey, { oid: file.oid });
  if (have === file.size) {
    onChunk({ path: file.path, done: have, total: file.size, fetched: 0 });
    return 0;
  }
  const response = await openRange(req, file.path, have);
  if (response.status === 200 && have > 0) {
    await cache.remove(key); // the server ignored Range: take the full body from byte 0
    have = 0;
  }
  return pump(req, cache, key, file, have, response, onChunk);
}

async function openRange(req: HubRequest, path: string, from: number): Promise<Response> {
  const headers: Record<string, string> = { ...req.headers };
  if (from > 0) headers.Range = `bytes=${from}-`;
  let response: Response;
  try {
    response = await req.fetch(req.resolveUrl(path), { headers, signal: req.signal });
  } catch (e) {
    if (isAbortError(e)) throw e;
    throw new HubNetworkError(
      `${req.repo}: could not reach ${req.hubUrl} for ${path} (${(e as Error).message}); ` +
        'check the connection and load again to resume',
      req.repo,
      path,
      from,
      true,
    );
  }
  await checkResponse(req, response, path);
  if (from > 0 && response.status === 206) {
    const start = Number(/bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
    if (start !== from)
      throw new HubNetworkError(
        `${req.repo}/${path}: server resumed at byte ${start}, not ${from}`,
        req.repo,
        path,
        from,
        false,
      );
  }
  return response;
}

async function pump(
  req: HubRequest,
  cache: HubCache,
  key: string,
  file: ManifestFile,
  startAt: number,
  response: Response,
  onChunk: (t: FileTransfer) => void,
): Promise<number> {
  if (!response.body)
    throw new HubNetworkError(`${req.repo}/${file.path}: empty response`, req.repo, file.path, startAt, true);
  const reader = response.body.getReader();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let stored = startAt;
  let fetched = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const block = concatBytes(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    try {
      await cache.append(key, block);
    } catch (e) {
      if ((e as { name?: string }).name === 'QuotaExceededError') {
        throw new HubStorageError(
          `${req.repo}: storage is full after ${stored} bytes of ${file.path} (${cache.label}); ` +
            'free space in the cache manager and load again',
          req.repo,
          file.size - stored,
          0,
        );
      }
      throw e;
    }
    stored += block.byteLength;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (stored + pendingBytes + value.byteLength > file.size) {
        // More than the listing promised: a wrong or hostile server would otherwise fill the cache.
        await reader.cancel().catch(() => undefined);
        throw new HubResponseError(
          `${req.repo}: the server sent more than the ${file.size} bytes listed for ${file.path}; ` +
            'nothing past them was stored',
          req.repo,
          200,
        );
      }
      pending.push(value);
      pendingBytes += value.byteLength;
      fetched += value.byteLength;
      if (pendingBytes >= FLUSH_BYTES) await flush();
      onChunk({ path: file.path, done: stored + pendingBytes, total: file.size, fetched });
    }
  } catch (e) {
    await flush(); // keep what arrived: the next attempt resumes after it
    if (e instanceof HubResponseError) throw e;
    if (isAbortError(e) || req.signal?.aborted) throw abortError(req.signal);
    throw new HubNetworkError(
      `${req.repo}: the connection dropped during ${file.path} at ${stored} of ${file.size} ` +
        `bytes (${(e as Error).message}); load again to resume from there`,
      req.repo,
      file.path,
      stored,
      true,
    );
  }
  await flush();
  if (stored !== file.size) {
    throw new HubNetworkError(
      `${req.repo}: ${file.path} ended at ${stored} of ${file.size} bytes; load again to resume`,
      req.repo,
      file.path,
      stored,
      true,
    );
  }
  return fetched;
}

function abortError(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new DOMException('download cancelled', 'AbortError');
}
