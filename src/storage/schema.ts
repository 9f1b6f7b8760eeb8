/**
 * The studio's IndexedDB schema and its migrations. The only module (with its siblings in src/storage) that
 * imports `idb`. Each version's migration runs in the upgrade transaction, so a failed migration rolls the whole
 * database back to the previous version.
 *
 * Large blobs (adapter weights, tokenized datasets, packed model tensors, downloads, checkpoints) live in the
 * `chunks` store under `[owner store, record id, part name, byte offset]`, at most CHUNK_BYTES each; the record
 * in its own store lists its parts. A record and its chunks are always written in one transaction.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction, type StoreNames } from 'idb';
import type {
  AdapterRecord,
  CachedModelRecord,
  CheckpointRecord,
  DatasetRecord,
  HubEntryRecord,
  RunRecord,
} from '../spec/records';

export const DB_NAME = 'lora-studio';
/** Current schema version; add a migration below to bump it. */
export const DB_VERSION = 2;
/** Bytes per chunk: large enough for few records, small enough to never need one huge allocation. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

/** Stores whose records own blob parts. */
export type BlobOwner = 'adapters' | 'datasets' | 'models' | 'checkpoints' | 'hub';

/** One stored chunk. */
export interface ChunkRecord {
  owner: BlobOwner;
  id: string;
  part: string;
  /** Byte offset of this chunk inside the part. */
  offset: number;
  data: ArrayBuffer;
}

export type ChunkKey = [owner: BlobOwner, id: string, part: string, offset: number];

/** Schema at the current version. */
export interface StudioDB extends DBSchema {
  adapters: { key: string; value: AdapterRecord; indexes: { byUpdated: number; byBaseModel: string } };
  datasets: { key: string; value: DatasetRecord; indexes: { byCreated: number } };
  runs: { key: string; value: RunRecord; indexes: { byCreated: number; byAdapter: string } };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { byRun: [string, number] } };
  models: { key: string; value: CachedModelRecord; indexes: { byUsed: number } };
  hub: { key: string; value: HubEntryRecord };
  chunks: { key: ChunkKey; value: ChunkRecord };
}

type UpgradeTx = IDBPTransaction<StudioDB, StoreNames<StudioDB>[], 'versionchange'>;
/** A migration from version `n - 1` to `n` (index n - 1 in {@link MIGRATIONS}). */
type Migration = (db: IDBPDatabase<StudioDB>, tx: UpgradeTx) => Promise<void> | void;

/**
 * v1 (the first foundation draft): adapters, datasets and chunks. Adapter records carried `targetModules` and no
 * `updatedAt`.
 */
function v1(db: IDBPDatabase<StudioDB>): void {
  db.createObjectStore('adapters', { keyPath: 'id' });
  const datasets = db.createObjectStore('datasets', { keyPath: 'id' });
  datasets.createIndex('byCreated', 'createdAt');
  db.createObjectStore('chunks', { keyPath: ['owner', 'id', 'part', 'offset'] });
}

/**
 * v2: training runs, checkpoints, cached base models and the hub download cache; adapters gain `updatedAt`
 * (backfilled from `createdAt`), `targets` (renamed from `targetModules`) and indexes for the adapter list.
 */
async function v2(db: IDBPDatabase<StudioDB>, tx: UpgradeTx): Promise<void> {
  const runs = db.createObjectStore('runs', { keyPath: 'id' });
  runs.createIndex('byCreated', 'createdAt');
  runs.createIndex('byAdapter', 'adapterId');
  db.createObjectStore('checkpoints', { keyPath: 'id' }).createIndex('byRun', ['runId', 'step']);
  db.createObjectStore('models', { keyPath: 'id' }).createIndex('byUsed', 'lastUsedAt');
  db.createObjectStore('hub', { keyPath: 'key' });
  const adapters = tx.objectStore('adapters');
  adapters.createIndex('byUpdated', 'updatedAt');
  adapters.createIndex('byBaseModel', 'baseModel');
  let cursor = await adapters.openCursor();
  while (cursor) {
    await cursor.update(upgradeAdapterV1(cursor.value));
    cursor = await cursor.continue();
  }
}

/** v1 adapter record → v2 (exported for the migration test). */
export function upgradeAdapterV1(old: AdapterRecord & { targetModules?: string[] }): AdapterRecord {
  const { targetModules, ...rest } = old;
  return { ...rest, targets: rest.targets ?? targetModules ?? [], updatedAt: rest.updatedAt ?? rest.createdAt };
}

/** Migration i upgrades version i → i + 1. */
const MIGRATIONS: Migration[] = [v1, v2];

/** Options of {@link openStudioDb}; tests open other names and older versions. */
export interface OpenOptions {
  name?: string;
  /** Open at this version (≤ DB_VERSION); tests use 1 to build an old database. */
  version?: number;
  /** Another tab holds an older version open and blocks our upgrade. */
  onBlocked?: () => void;
}

/** Opens (creating or migrating) the studio database. */
export function openStudioDb(options: OpenOptions = {}): Promise<IDBPDatabase<StudioDB>> {
  const version = options.version ?? DB_VERSION;
  if (version < 1 || version > MIGRATIONS.length) throw new RangeError(`no schema version ${version}`);
  return openDB<StudioDB>(options.name ?? DB_NAME, version, {
    async upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < (newVersion ?? version); v++) await MIGRATIONS[v](db, tx);
    },
    blocked: () => options.onBlocked?.(),
    // A newer tab wants to upgrade: close so it can, instead of blocking it forever.
    blocking(_current, _blocked, event) {
      const target = event.target;
      if (target instanceof IDBDatabase) target.close();
    },
  });
}

export type StudioDb = IDBPDatabase<StudioDB>;
