/**
 * Training runs (config, status, metric history) and their checkpoints. A checkpoint is one record plus its
 * `state` part (the trainer's encoded checkpoint); only the newest few per run are kept.
 */
import { EngineError } from '../spec/errors';
import { chunkRange, deleteRecordWithParts, readPart, writeRecordWithParts, type WriteOptions } from './blobs';
import type { CheckpointRecord, MetricPoint, RunRecord } from '../spec/records';
import type { StudioDb } from './schema';

/** Checkpoints kept per run unless the caller says otherwise. */
export const DEFAULT_KEEP_CHECKPOINTS = 2;

/** Creates or replaces a run record. */
export async function putRun(db: StudioDb, run: RunRecord): Promise<void> {
  await db.put('runs', run);
}

/** A run, or null. */
export async function getRun(db: StudioDb, id: string): Promise<RunRecord | null> {
  return (await db.get('runs', id)) ?? null;
}

/** All runs, newest first. */
export async function listRuns(db: StudioDb): Promise<RunRecord[]> {
  return (await db.getAllFromIndex('runs', 'byCreated')).reverse();
}

/** Applies `patch` and appends `metrics` to a run atomically (read-modify-write in one transaction). */
export async function updateRun(
  db: StudioDb,
  id: string,
  patch: Partial<Omit<RunRecord, 'id' | 'metrics'>>,
  metrics: MetricPoint[] = [],
): Promise<RunRecord> {
  const tx = db.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (!run) throw new EngineError(`No training run with id '${id}'.`);
  const next: RunRecord = { ...run, ...patch, metrics: run.metrics.concat(metrics), updatedAt: Date.now() };
  await tx.store.put(next);
  await tx.done;
  return next;
}

/** Deletes a run and all its checkpoints. */
export async function deleteRun(db: StudioDb, id: string): Promise<void> {
  for (const cp of await listCheckpoints(db, id)) await deleteRecordWithParts(db, 'checkpoints', cp.id);
  await db.delete('runs', id);
}

/** Saves a checkpoint of `runId` at `step`, then prunes all but the newest `keep`. */
export async function putCheckpoint(
  db: StudioDb,
  runId: string,
  step: number,
  state: Uint8Array,
  options: WriteOptions & { keep?: number } = {},
): Promise<CheckpointRecord> {
  const id = `${runId}@${String(step).padStart(9, '0')}`;
  const createdAt = Date.now();
  const record = await writeRecordWithParts(
    db,
    'checkpoints',
    id,
    { state },
    (parts, sizeBytes) => ({ id, runId, step, createdAt, sizeBytes, parts }),
    options,
  );
  const all = await listCheckpoints(db, runId);
  const keep = Math.max(1, options.keep ?? DEFAULT_KEEP_CHECKPOINTS);
  for (const old of all.slice(0, Math.max(0, all.length - keep)))
    await deleteRecordWithParts(db, 'checkpoints', old.id);
  return record;
}

/** Checkpoints of a run, oldest first. */
export function listCheckpoints(db: StudioDb, runId: string): Promise<CheckpointRecord[]> {
  return db.getAllFromIndex('checkpoints', 'byRun', IDBKeyRange.bound([runId, -Infinity], [runId, Infinity]));
}

/** The newest checkpoint of a run with its state bytes, or null. */
export async function latestCheckpoint(
  db: StudioDb,
  runId: string,
): Promise<{ record: CheckpointRecord; state: Uint8Array } | null> {
  const all = await listCheckpoints(db, runId);
  const record = all[all.length - 1];
  if (!record) return null;
  return { record, state: await readPart(db, 'checkpoints', record.id, 'state', record.parts.state?.byteLength) };
}

/** Number of chunks stored for a record (tests: nothing left behind). */
export async function countChunks(
  db: StudioDb,
  owner: 'adapters' | 'datasets' | 'models' | 'checkpoints' | 'hub',
  id: string,
): Promise<number> {
  return db.count('chunks', chunkRange(owner, id));
}
