/**
 * The browser's `HubCache`: the Origin Private File System (OPFS). Multi-GB shards stream to disk instead of
 * living in memory or in IndexedDB values, appends keep an interrupted download's prefix, and `File.slice` gives
 * the ranged reads the safetensors loader asks for. Works on the main thread and in workers (Chromium, Firefox,
 * Safari 17+). Layout: `<root>/bytes/<key>` for file bytes, `<root>/records/<key>.json` for manifests.
 */
import { type HubCache } from './cache';
import { clampRange } from '../spec/model-files';

type Dir = FileSystemDirectoryHandle;

function segments(key: string): string[] {
  const parts = key.split('/').filter((s) => s.length > 0);
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..')) throw new Error(`hub cache: bad key '${key}'`);
  return parts;
}

async function dirOf(root: Dir, parts: string[], create: boolean): Promise<Dir | null> {
  let d = root;
  for (const p of parts) {
    try {
      d = await d.getDirectoryHandle(p, { create });
    } catch {
      return null;
    }
  }
  return d;
}

async function fileHandle(root: Dir, key: string, create: boolean): Promise<FileSystemFileHandle | null> {
  const parts = segments(key);
  const dir = await dirOf(root, parts.slice(0, -1), create);
  if (!dir) return null;
  try {
    return await dir.getFileHandle(parts[parts.length - 1], { create });
  } catch {
    return null;
  }
}

interface Entries {
  entries(): AsyncIterable<[string, FileSystemHandle]>;
}

/** Every file key under `dir` (recursively), `suffix` stripped. */
async function listKeys(dir: Dir, prefix: string, suffix: string, out: string[]): Promise<string[]> {
  for await (const [name, h] of (dir as unknown as Entries).entries()) {
    const key = prefix ? `${prefix}/${name}` : name;
    if (h.kind === 'directory') await listKeys(h as Dir, key, suffix, out);
    else if (key.endsWith(suffix)) out.push(key.slice(0, key.length - suffix.length));
  }
  return out;
}

/**
 * Removes every entry whose key starts with `prefix`: whole directories when the directory itself lies inside the
 * prefix, single files otherwise, descending only into directories that may contain matches.
 */
async function removeUnder(dir: Dir, path: string, prefix: string, suffix: string): Promise<void> {
  const doomed: string[] = [];
  for await (const [name, h] of (dir as unknown as Entries).entries()) {
    const key = path ? `${path}/${name}` : name;
    if (h.kind === 'directory') {
      if (`${key}/`.startsWith(prefix)) doomed.push(name);
      else if (prefix.startsWith(`${key}/`)) await removeUnder(h as Dir, key, prefix, suffix);
    } else if (key.endsWith(suffix) && key.slice(0, key.length - suffix.length).startsWith(prefix)) {
      doomed.push(name);
    }
  }
  for (const name of doomed) await dir.removeEntry(name, { recursive: true });
}

/** Opens the OPFS cache under `rootName` (created on first use). Throws when OPFS is unavailable. */
export async function opfsHubCache(rootName = 'hub-cache'): Promise<HubCache> {
  if (typeof navigator === 'undefined' || !navigator.storage?.getDirectory) {
    throw new Error('OPFS is not available in this browser (navigator.storage.getDirectory)');
  }
  const top = await navigator.storage.getDirectory();
  const root = await top.getDirectoryHandle(rootName, { create: true });
  const files = await root.getDirectoryHandle('bytes', { create: true });
  const records = await root.getDirectoryHandle('records', { create: true });
  return {
    label: 'browser storage (OPFS)',
    async size(key) {
      const h = await fileHandle(files, key, false);
      return h ? (await h.getFile()).size : 0;
    },
    async append(key, bytes) {
      const h = (await fileHandle(files, key, true))!;
      const at = (await h.getFile()).size;
      const w = await h.createWritable({ keepExistingData: true });
      try {
        await w.seek(at);
        await w.write(bytes as Uint8Array<ArrayBuffer>);
      } finally {
        await w.close();
      }
    },
    async read(key, start, end) {
      const h = await fileHandle(files, key, false);
      if (!h) throw new Error(`hub cache: ${key} not found`);
      const f = await h.getFile();
      const [s, e] = clampRange(f.size, start, end);
      return new Uint8Array(await f.slice(s, e).arrayBuffer());
    },
    async getRecord<T>(key: string) {
      const h = await fileHandle(records, `${key}.json`, false);
      return h ? (JSON.parse(await (await h.getFile()).text()) as T) : null;
    },
    async putRecord(key, value) {
      const h = (await fileHandle(records, `${key}.json`, true))!;
      const w = await h.createWritable(); // replaces the file atomically on close
      await w.write(JSON.stringify(value));
      await w.close();
    },
    async listRecords(prefix) {
      return (await listKeys(records, '', '.json', [])).filter((k) => k.startsWith(prefix));
    },
    async remove(prefix) {
      await removeUnder(files, '', prefix, '');
      await removeUnder(records, '', prefix, '.json');
    },
    async freeBytes() {
      const est = await navigator.storage.estimate?.();
      return est?.quota != null && est.usage != null ? est.quota - est.usage : null;
    },
  };
}
