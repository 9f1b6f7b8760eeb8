/**
 * Chunked blob parts and the one-transaction write of a record with its parts. A write either commits the record
 * and every chunk or nothing: an abort (signal, quota, crash, closed tab) rolls the whole transaction back, and the
 * previous version of the record, if any, stays intact.
 */
import { CancelledError, EngineError, QuotaError, quotaMessage } from '../spec/errors';
import type { Parts } from '../spec/records';
import { CHUNK_BYTES, type BlobOwner, type ChunkKey, type StudioDB, type StudioDb } from './schema';

/** Options for writes that may be large. */
export interface WriteOptions {
  /** Aborting rolls the transaction back; the call rejects with CancelledError. */
  signal?: AbortSignal;
  /** Bytes committed to the transaction so far, of `total`. */
  onProgress?: (written: number, total: number) => void;
}

/** Key range covering every chunk of a record, or of one part of it. */
export function chunkRange(owner: BlobOwner, id: string, part?: string): IDBKeyRange {
  // Arrays sort after strings and numbers, so `[]` is an upper bound for any string part / numeric offset.
  return part === undefined
    ? IDBKeyRange.bound([owner, id], [owner, id, []])
    : IDBKeyRange.bound([owner, id, part], [owner, id, part, []]);
}

/**
 * Puts `record` (built from the part layout) into `store` and its parts into `chunks`, replacing any previous
 * version and its chunks, all in one transaction. Maps quota failures to {@link QuotaError}.
 */
export async function writeRecordWithParts<S extends BlobOwner>(
  db: StudioDb,
  store: S,
  id: string,
  parts: Record<string, Uint8Array>,
  makeRecord: (parts: Parts, sizeBytes: number) => StudioDB[S]['value'],
  options: WriteOptions = {},
): Promise<StudioDB[S]['value']> {
  if (options.signal?.aborted) throw new CancelledError('Saving was cancelled.');
  const total = Object.values(parts).reduce((s, p) => s + p.byteLength, 0);
  const tx = db.transaction([store, 'chunks'], 'readwrite');
  const chunks = tx.objectStore('chunks');
  try {
    await chunks.delete(chunkRange(store, id));
    const layout: Parts = {};
    let written = 0;
    for (const [part, bytes] of Object.entries(parts)) {
      let n = 0;
      for (let offset = 0; offset < bytes.byteLength || (offset === 0 && n === 0); offset += CHUNK_BYTES) {
        if (options.signal?.aborted) throw new CancelledError('Saving was cancelled; nothing was written.');
        const data = copyToArrayBuffer(bytes, offset, Math.min(bytes.byteLength, offset + CHUNK_BYTES));
        await chunks.put({ owner: store, id, part, offset, data });
        n++;
        written += data.byteLength;
        options.onProgress?.(written, total);
      }
      layout[part] = { byteLength: bytes.byteLength, chunks: n };
    }
    if (options.signal?.aborted) throw new CancelledError('Saving was cancelled; nothing was written.');
    const record = makeRecord(layout, total);
    await tx.objectStore(store).put(record);
    await tx.done;
    return record;
  } catch (e) {
    abortQuietly(tx);
    await tx.done.catch(() => undefined);
    throw storageError(e, tx.error);
  }
}

/** Reads one part back as a fresh Uint8Array; throws when chunks are missing (integrity). */
export async function readPart(
  db: StudioDb,
  owner: BlobOwner,
  id: string,
  part: string,
  expected?: number,
): Promise<Uint8Array> {
  const rows = await db.getAll('chunks', chunkRange(owner, id, part));
  const length = rows.reduce((s, r) => s + r.data.byteLength, 0);
  if (expected !== undefined && length !== expected) {
    throw new EngineError(
      `Stored data for '${id}' is incomplete (${length} of ${expected} bytes). Delete it and save again.`,
    );
  }
  const out = new Uint8Array(length);
  for (const r of rows) out.set(new Uint8Array(r.data), r.offset);
  return out;
}

/** Reads bytes [start, end) of a part without loading the chunks outside the range. */
export async function readPartRange(
  db: StudioDb,
  owner: BlobOwner,
  id: string,
  part: string,
  start: number,
  end: number,
): Promise<Uint8Array> {
  const out = new Uint8Array(Math.max(0, end - start));
  if (out.byteLength === 0) return out;
  const keys = await db.getAllKeys(
    'chunks',
    IDBKeyRange.bound([owner, id, part, 0], [owner, id, part, end], false, true),
  );
  // The chunk holding `start` is the last one whose offset is ≤ start.
  let first: ChunkKey | undefined;
  for (const k of keys) if (k[3] <= start) first = k;
  const lower = first ?? keys[0];
  if (!lower) return out.subarray(0, 0);
  const rows = await db.getAll('chunks', IDBKeyRange.bound(lower, [owner, id, part, end], false, true));
  let filled = 0;
  for (const r of rows) {
    const from = Math.max(start, r.offset);
    const to = Math.min(end, r.offset + r.data.byteLength);
    if (to <= from) continue;
    out.set(new Uint8Array(r.data, from - r.offset, to - from), from - start);
    filled += to - from;
  }
  return out.subarray(0, filled);
}

/** Deletes a record and all its chunks in one transaction. */
export async function deleteRecordWithParts(db: StudioDb, store: BlobOwner, id: string): Promise<void> {
  const tx = db.transaction([store, 'chunks'], 'readwrite');
  await Promise.all([
    tx.objectStore(store).delete(id),
    tx.objectStore('chunks').delete(chunkRange(store, id)),
    tx.done,
  ]);
}

/** Turns IndexedDB failures into engine errors with a message a user can act on. */
export function storageError(e: unknown, txError?: DOMException | null): Error {
  if (e instanceof EngineError) return e;
  if (isQuota(e) || isQuota(txError)) return new QuotaError(quotaMessage(), errorText(txError ?? e));
  return e instanceof Error ? e : new EngineError(String(e));
}

/** True for a QuotaExceededError (DOMException or look-alike). */
export function isQuota(e: unknown): boolean {
  return typeof e === 'object' && e !== null && 'name' in e && e.name === 'QuotaExceededError';
}

function errorText(e: unknown): string {
  return e instanceof Error || e instanceof DOMException ? `${e.name}: ${e.message}` : String(e);
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted by IndexedDB itself (its error is in tx.error).
  }
}

/** Copies bytes [from, to) into a standalone ArrayBuffer (IndexedDB stores the whole buffer of a view). */
function copyToArrayBuffer(bytes: Uint8Array, from: number, to: number): ArrayBuffer {
  const out = new ArrayBuffer(to - from);
  new Uint8Array(out).set(bytes.subarray(from, to));
  return out;
}
