/**
 * A `ModelFiles` over in-memory buffers: tests, checkpoints built on the fly, and files the browser has already
 * read into memory. Reads return views (no copy), so callers must not mutate what they get.
 */
import { clampRange, type ModelFiles } from '../spec/model-files';

/** Wraps `name → bytes` (strings are stored as UTF-8) as a `ModelFiles` labelled `label`. */
export function memoryFiles(entries: Record<string, Uint8Array | string>, label = 'memory'): ModelFiles {
  const map = new Map<string, Uint8Array>();
  for (const [name, v] of Object.entries(entries))
    map.set(name, typeof v === 'string' ? new TextEncoder().encode(v) : v);
  return {
    label,
    async list() {
      return [...map.keys()];
    },
    async size(name) {
      return map.get(name)?.byteLength ?? null;
    },
    async read(name, start, end) {
      const bytes = map.get(name);
      if (!bytes) throw new Error(`${label}/${name}: file not found`);
      return bytes.subarray(...clampRange(bytes.byteLength, start, end));
    },
  };
}
