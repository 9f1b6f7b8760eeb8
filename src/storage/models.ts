/**
 * Cached quantized base models: the packed tensors (src/quant `serializePacked` bytes) as one part each, so a
 * reload skips download and quantization. Least-recently-used first when the user needs space.
 */
import { deleteRecordWithParts, readPart, writeRecordWithParts, type WriteOptions } from './blobs';
import type { CachedModelRecord } from '../spec/records';
import type { StudioDb } from './schema';

export type CachedModelInput = Omit<CachedModelRecord, 'parts' | 'sizeBytes' | 'createdAt' | 'lastUsedAt'>;

/** Caches a model's parts (one transaction: a crash never leaves half a model that would load). */
export function putCachedModel(
  db: StudioDb,
  input: CachedModelInput,
  parts: Record<string, Uint8Array>,
  options?: WriteOptions,
): Promise<CachedModelRecord> {
  const now = Date.now();
  return writeRecordWithParts(
    db,
    'models',
    input.id,
    parts,
    (layout, sizeBytes) => ({ ...input, createdAt: now, lastUsedAt: now, parts: layout, sizeBytes }),
    options,
  );
}

/** Cached models, least recently used first. */
export function listCachedModels(db: StudioDb): Promise<CachedModelRecord[]> {
  return db.getAllFromIndex('models', 'byUsed');
}

/** A cached model's record (and marks it used), or null. */
export async function getCachedModel(db: StudioDb, id: string): Promise<CachedModelRecord | null> {
  const tx = db.transaction('models', 'readwrite');
  const record = await tx.store.get(id);
  if (record) await tx.store.put({ ...record, lastUsedAt: Date.now() });
  await tx.done;
  return record ?? null;
}

/** One part (tensor) of a cached model. */
export function readModelPart(db: StudioDb, record: CachedModelRecord, part: string): Promise<Uint8Array> {
  return readPart(db, 'models', record.id, part, record.parts[part]?.byteLength ?? 0);
}

/** Deletes a cached model. */
export function deleteCachedModel(db: StudioDb, id: string): Promise<void> {
  return deleteRecordWithParts(db, 'models', id);
}
