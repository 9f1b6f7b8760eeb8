/**
 * A `HubCache` over a local folder (CLI, Node tests): file bytes at `<root>/<key>`, records at
 * `<root>/<key>.record.json`. Appends go straight to disk, so a killed process keeps its partial download.
 */
import { appendFile, mkdir, open, readFile, readdir, rm, stat, statfs, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { readRange } from '../formats/read-range.node.js';
import type { HubCache } from './cache';

const RECORD = '.record.json';

async function walk(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Opens (creating on first write) a folder cache at `root`. */
export function folderHubCache(root: string): HubCache {
  const base = path.resolve(root);
  const resolve = (key: string): string => {
    if (key.split('/').some((seg) => seg === '..' || seg === '.')) throw new Error(`hub cache: bad key '${key}'`);
    return path.join(base, ...key.split('/'));
  };
  const keyOf = (p: string): string => path.relative(base, p).split(path.sep).join('/');
  return {
    label: base,
    async size(key) {
      try {
        return (await stat(resolve(key))).size;
      } catch {
        return 0;
      }
    },
    async append(key, bytes) {
      const p = resolve(key);
      await mkdir(path.dirname(p), { recursive: true });
      await appendFile(p, bytes);
    },
    async read(key, start, end) {
      const handle = await open(resolve(key), 'r');
      try {
        return await readRange(handle, start, end);
      } finally {
        await handle.close();
      }
    },
    async getRecord<T>(key: string) {
      try {
        return JSON.parse(await readFile(resolve(key) + RECORD, 'utf8')) as T;
      } catch {
        return null;
      }
    },
    async putRecord(key, value) {
      const p = resolve(key) + RECORD;
      await mkdir(path.dirname(p), { recursive: true });
      // temp + rename: a crash never leaves a half-written manifest
      await writeFile(p + '.tmp', JSON.stringify(value));
      await rename(p + '.tmp', p);
    },
    async listRecords(prefix) {
      return (await walk(base))
        .filter((p) => p.endsWith(RECORD))
        .map((p) => keyOf(p).slice(0, -RECORD.length))
        .filter((k) => k.startsWith(prefix));
    },
    async remove(prefix) {
      for (const p of await walk(base)) {
        const k = keyOf(p);
        const key = k.endsWith(RECORD) ? k.slice(0, -RECORD.length) : k;
        if (key.startsWith(prefix)) await rm(p, { force: true });
      }
    },
    async freeBytes() {
      try {
        await mkdir(base, { recursive: true });
        const s = await statfs(base);
        return s.bavail * s.bsize;
      } catch {
        return null;
      }
    },
  };
}
