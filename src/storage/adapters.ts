/**
 * Saved adapters: PEFT config + safetensors weights + what the Adapters tab lists. The weights are one part
 * (`weights`), chunked; the record and its chunks are written in one transaction.
 */
import { EngineError } from '../spec/errors';
import { deleteRecordWithParts, readPart, writeRecordWithParts, type WriteOptions } from './blobs';
import type { AdapterRecord } from '../spec/records';
import type { StudioDb } from './schema';

/** Metadata the caller provides; ids, sizes and timestamps are filled in. */
export type AdapterInput = Omit<AdapterRecord, 'parts' | 'sizeBytes' | 'createdAt' | 'updatedAt'> & {
  createdAt?: number;
};

/** A stored adapter with its weights (`adapter_model.safetensors` bytes). */
export interface StoredAdapter {
  record: AdapterRecord;
  weights: Uint8Array;
}

/** Saves (or overwrites) an adapter with its weights; returns the stored record. */
export async function putAdapter(
  db: StudioDb,
  input: AdapterInput,
  weights: Uint8Array,
  options?: WriteOptions,
): Promise<AdapterRecord> {
  const now = Date.now();
  return writeRecordWithParts(
    db,
    'adapters',
    input.id,
    { weights },
    (parts, sizeBytes) => ({ ...input, createdAt: input.createdAt ?? now, updatedAt: now, parts, sizeBytes }),
    options,
  );
}

/** All adapters, most recently updated first (metadata only). */
export async function listAdapters(db: StudioDb): Promise<AdapterRecord[]> {
  return (await db.getAllFromIndex('adapters', 'byUpdated')).reverse();
}

/** Adapters trained on `baseModel`. */
export async function listAdaptersForBase(db: StudioDb, baseModel: string): Promise<AdapterRecord[]> {
  return db.getAllFromIndex('adapters', 'byBaseModel', baseModel);
}

/** An adapter with its weights, or null. */
export async function getAdapter(db: StudioDb, id: string): Promise<StoredAdapter | null> {
  const record = await db.get('adapters', id);
  if (!record) return null;
  const weights = await readPart(db, 'adapters', id, 'weights', record.parts.weights?.byteLength);
  return { record, weights };
}

/** Deletes an adapter and its weights. */
export function deleteAdapter(db: StudioDb, id: string): Promise<void> {
  return deleteRecordWithParts(db, 'adapters', id);
}

/** Renames an adapter (metadata only; the weights are untouched). */
export async function renameAdapter(db: StudioDb, id: string, name: string): Promise<AdapterRecord> {
  const trimmed = name.trim();
  if (!trimmed) throw new EngineError('An adapter name cannot be empty.');
  const tx = db.transaction('adapters', 'readwrite');
  const record = await tx.store.get(id);
  if (!record) throw new EngineError(`No adapter with id '${id}'.`);
  const renamed = { ...record, name: trimmed, updatedAt: Date.now() };
  await tx.store.put(renamed);
  await tx.done;
  return renamed;
}
