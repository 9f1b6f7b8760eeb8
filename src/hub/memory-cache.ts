/**
 * A `HubCache` in memory: tests, and the browser's last resort when IndexedDB is unavailable
 * (the download then lasts only as long as the page).
 */
import { type HubCache } from './cache';
import { clampRange } from '../spec/model-files';

/** Creates an in-memory cache; `capacityBytes` simulates a storage quota (default: unlimited). */
export function memoryHubCache(capacityBytes: number | null = null): HubCache {
  const files = new Map<string, Uint8Array[]>();
  const records = new Map<string, string>();
  const total = (key: string): number => (files.get(key) ?? []).reduce((s, c) => s + c.byteLength, 0);
  const used = (): number => [...files.keys()].reduce((s, k) => s + total(k), 0);
  return {
    label: 'memory',
    async size(key) {
      return total(key);
    },
    async append(key, bytes) {
      if (capacityBytes !== null && used() + bytes.byteLength > capacityBytes) {
        throw new DOMException('memory cache quota exceeded', 'QuotaExceededError');
      }
      const chunks = files.get(key) ?? [];
      chunks.push(bytes.slice());
      files.set(key, chunks);
    },
    async read(key, start, end) {
      const chunks = files.get(key);
      if (!chunks) throw new Error(`memory cache: ${key} not found`);
      const whole = new Uint8Array(total(key));
      let o = 0;
      for (const c of chunks) {
        whole.set(c, o);
        o += c.byteLength;
      }
      files.set(key, [whole]); // compact: later reads slice one buffer
      const [s, e] = clampRange(whole.byteLength, start, end);
      return whole.subarray(s, e);
    },
    async getRecord<T>(key: string) {
      const v = records.get(key);
      return v === undefined ? null : (JSON.parse(v) as T);
    },
    async putRecord(key, value) {
      records.set(key, JSON.stringify(value));
    },
    async listRecords(prefix) {
      return [...records.keys()].filter((k) => k.startsWith(prefix));
    },
    async remove(prefix) {
      for (const k of [...files.keys()]) if (k.startsWith(prefix)) files.delete(k);
      for (const k of [...records.keys()]) if (k.startsWith(prefix)) records.delete(k);
    },
    async freeBytes() {
      return capacityBytes === null ? null : capacityBytes - used();
    },
  };
}
