/**
 * The behaviour every `HubCache` must have, as a reusable Vitest suite: the memory and folder caches run it here,
 * and the IndexedDB cache (src/storage) can run it with fake-indexeddb: `describeHubCache('idb', () => make())`.
 */
import { describe, expect, it } from 'vitest';
import type { HubCache } from './cache';

const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);

export function describeHubCache(name: string, make: () => Promise<HubCache> | HubCache): void {
  describe(`HubCache contract: ${name}`, () => {
    it('appends, sizes and reads ranges', async () => {
      const c = await make();
      expect(await c.size('files/a/b/main/x.bin')).toBe(0);
      await c.append('files/a/b/main/x.bin', bytes(1, 2, 3));
      await c.append('files/a/b/main/x.bin', bytes(4, 5));
      expect(await c.size('files/a/b/main/x.bin')).toBe(5);
      expect([...(await c.read('files/a/b/main/x.bin'))]).toEqual([1, 2, 3, 4, 5]);
      expect([...(await c.read('files/a/b/main/x.bin', 2, 4))]).toEqual([3, 4]);
      expect([...(await c.read('files/a/b/main/x.bin', 3))]).toEqual([4, 5]);
      expect([...(await c.read('files/a/b/main/x.bin', 4, 99))]).toEqual([5]);
      await expect(c.read('files/a/b/main/missing')).rejects.toThrow();
    });

    it('stores JSON records and lists them by prefix', async () => {
      const c = await make();
      expect(await c.getRecord('manifests/a/b/main')).toBeNull();
      await c.putRecord('manifests/a/b/main', { n: 1 });
      await c.putRecord('manifests/a/b/main', { n: 2 }); // overwrite
      await c.putRecord('manifests/c/d/v1', { n: 3 });
      expect(await c.getRecord('manifests/a/b/main')).toEqual({ n: 2 });
      expect((await c.listRecords('manifests/')).sort()).toEqual(['manifests/a/b/main', 'manifests/c/d/v1']);
      expect(await c.listRecords('manifests/c/')).toEqual(['manifests/c/d/v1']);
    });

    it('removes files and records by key prefix only', async () => {
      const c = await make();
      await c.append('files/a/b/main/x', bytes(1));
      await c.append('files/a/b/main/sub/y', bytes(2));
      await c.append('files/a/bc/main/x', bytes(3));
      await c.putRecord('state/files/a/b/main/x', { oid: '1' });
      await c.putRecord('manifests/a/b/main', { n: 1 });
      await c.remove('files/a/b/main/');
      await c.remove('state/files/a/b/main/');
      expect(await c.size('files/a/b/main/x')).toBe(0);
      expect(await c.size('files/a/b/main/sub/y')).toBe(0);
      expect(await c.size('files/a/bc/main/x')).toBe(1);
      expect(await c.getRecord('state/files/a/b/main/x')).toBeNull();
      expect(await c.getRecord('manifests/a/b/main')).toEqual({ n: 1 });
      await c.remove('manifests/a/b/main');
      expect(await c.getRecord('manifests/a/b/main')).toBeNull();
      await c.remove('files/a/bc/main/x'); // a single file's full key
      expect(await c.size('files/a/bc/main/x')).toBe(0);
    });

    it('reports free space as a number or null', async () => {
      const free = await (await make()).freeBytes();
      expect(free === null || (Number.isFinite(free) && free >= 0)).toBe(true);
    });
  });
}
