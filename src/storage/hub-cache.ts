/**
 * The hub loader's `HubCache` (src/hub/cache.ts) on IndexedDB: downloaded files grow by appended chunks (one
 * transaction per append, so an interrupted download keeps a consistent prefix to resume from), and small JSON
 * records (manifests) sit beside them. Quota errors keep their `QuotaExceededError` name, as the loader expects.
 */
import { type HubCache } from '../hub/cache';
import { clampRange } from '../spec/model-files';
import { readPartRange } from './blobs';
import { storageEstimate } from './estimate';
import type { StudioDb } from './schema';

const FILE = 'f:';
const RECORD = 'r:';
const PART = 'data';

/** A HubCache backed by the studio database. */
export function idbHubCache(db: StudioDb, storage: StorageManager | null = null): HubCache {
  const fileSize = async (key: string) => (await db.get('hub', FILE + key))?.size ?? 0;
  return {
    label: 'IndexedDB',
    size: fileSize,
    async append(key, bytes) {
      const id = FILE + key;
      const tx = db.transaction(['hub', 'chunks'], 'readwrite');
      const entry = (await tx.objectStore('hub').get(id)) ?? { key: id, size: 0, chunks: 0, json: null };
      const data = bytes.slice().buffer;
      await tx.objectStore('chunks').put({ owner: 'hub', id, part: PART, offset: entry.size, data });
      await tx.objectStore('hub').put({ ...entry, size: entry.size + bytes.byteLength, chunks: entry.chunks + 1 });
      await tx.done;
    },
    async read(key, start, end) {
      const size = await fileSize(key);
      if (size === 0 && !(await db.get('hub', FILE + key))) throw new Error(`IndexedDB hub cache: ${key} not found`);
      const [s, e] = clampRange(size, start, end);
      return readPartRange(db, 'hub', FILE + key, PART, s, e);
    },
    async getRecord<T>(key: string): Promise<T | null> {
      const json = (await db.get('hub', RECORD + key))?.json;
      return json ? parseRecord<T>(json) : null;
    },
    async putRecord(key, value) {
      await db.put('hub', { key: RECORD + key, size: 0, chunks: 0, json: JSON.stringify(value) });
    },
    async listRecords(prefix) {
      const keys = await db.getAllKeys('hub', IDBKeyRange.bound(RECORD + prefix, RECORD + prefix + '\uffff'));
      return keys.map((k) => k.slice(RECORD.length));
    },
    async remove(prefix) {
      const tx = db.transaction(['hub', 'chunks'], 'readwrite');
      const files = IDBKeyRange.bound(FILE + prefix, FILE + prefix + '\uffff');
      await Promise.all([
        tx.objectStore('hub').delete(files),
        tx.objectStore('hub').delete(IDBKeyRange.bound(RECORD + prefix, RECORD + prefix + '\uffff')),
        tx.objectStore('chunks').delete(IDBKeyRange.bound(['hub', FILE + prefix], ['hub', FILE + prefix + '\uffff'])),
        tx.done,
      ]);
    },
    async freeBytes() {
      const { usageBytes, quotaBytes } = await storageEstimate(storage);
      return usageBytes === null || quotaBytes === null ? null : Math.max(0, quotaBytes - usageBytes);
    },
  };
}

/** Records were written by JSON.stringify of the caller's value; the caller names the type it stored. */
function parseRecord<T>(json: string): T {
  const value: T = JSON.parse(json);
  return value;
}
