/**
 * Browser storage for the studio (IndexedDB through `idb`). Repository functions take the database handle from
 * {@link getStudioDb}; tests open their own with `openStudioDb({ name })` over fake-indexeddb.
 */
import { openStudioDb, type StudioDb } from './schema';

export { DB_NAME, DB_VERSION, CHUNK_BYTES, openStudioDb, type StudioDb } from './schema';
export type * from '../spec/records';
export { putAdapter, listAdapters, listAdaptersForBase, getAdapter, deleteAdapter, renameAdapter } from './adapters';
export type { AdapterInput, StoredAdapter } from './adapters';
export { putDataset, listDatasets, getDataset, readDatasetPart, deleteDataset, type DatasetInput } from './datasets';
export {
  putCachedModel,
  listCachedModels,
  getCachedModel,
  readModelPart,
  deleteCachedModel,
  type CachedModelInput,
} from './models';
export {
  putRun,
  getRun,
  listRuns,
  updateRun,
  deleteRun,
  putCheckpoint,
  listCheckpoints,
  latestCheckpoint,
} from './runs';
export { IdbCheckpointStore } from './checkpoint-store';
export { idbHubCache } from './hub-cache';
export { storageEstimate, requestPersistentStorage } from './estimate';
export type { WriteOptions } from './blobs';

let shared: Promise<StudioDb> | null = null;

/** The studio database, opened (and migrated) once per worker/page. */
export function getStudioDb(): Promise<StudioDb> {
  shared ??= openStudioDb().catch((e: unknown) => {
    shared = null;
    throw e;
  });
  return shared;
}
