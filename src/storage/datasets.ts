/**
 * Stored datasets: metadata plus tokenized data as named parts (e.g. `ids`, `lossMask`, `offsets` of src/data's
 * compact form, each a typed array's bytes), so a reload trains without re-parsing or re-tokenizing.
 */
import { deleteRecordWithParts, readPart, writeRecordWithParts, type WriteOptions } from './blobs';
import type { DatasetRecord } from '../spec/records';
import type { StudioDb } from './schema';

export type DatasetInput = Omit<DatasetRecord, 'parts' | 'sizeBytes' | 'createdAt'> & { createdAt?: number };

/** Saves a dataset and its parts in one transaction. */
export function putDataset(
  db: StudioDb,
  input: DatasetInput,
  parts: Record<string, Uint8Array>,
  options?: WriteOptions,
): Promise<DatasetRecord> {
  const createdAt = input.createdAt ?? Date.now();
  return writeRecordWithParts(
    db,
    'datasets',
    input.id,
    parts,
    (layout, sizeBytes) => ({ ...input, createdAt, parts: layout, sizeBytes }),
    options,
  );
}

/** All datasets, newest first. */
export async function listDatasets(db: StudioDb): Promise<DatasetRecord[]> {
  return (await db.getAllFromIndex('datasets', 'byCreated')).reverse();
}

/** A dataset's record, or null. */
export async function getDataset(db: StudioDb, id: string): Promise<DatasetRecord | null> {
  return (await db.get('datasets', id)) ?? null;
}

/** One part of a dataset (bytes; wrap with the typed array it was saved from). */
export async function readDatasetPart(db: StudioDb, record: DatasetRecord, part: string): Promise<Uint8Array> {
  return readPart(db, 'datasets', record.id, part, record.parts[part]?.byteLength ?? 0);
}

/** Deletes a dataset and its parts. */
export function deleteDataset(db: StudioDb, id: string): Promise<void> {
  return deleteRecordWithParts(db, 'datasets', id);
}
