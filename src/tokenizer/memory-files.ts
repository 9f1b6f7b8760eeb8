/**
 * An in-memory `ModelFiles` (tests, and callers that already hold file contents, e.g. a worker that received
 * dropped files as buffers).
 */
import type { ModelFiles } from '../model/model-files';

/** Wraps a map of file name → contents (strings are stored as UTF-8; objects as JSON). */
export function memoryModelFiles(label: string, contents: Record<string, string | object | Uint8Array>): ModelFiles {
  const bytes = new Map<string, Uint8Array>();
  for (const [name, value] of Object.entries(contents)) {
    if (value instanceof Uint8Array) bytes.set(name, value);
    else bytes.set(name, new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value)));
  }
  return {
    label,
    async list() {
      return [...bytes.keys()];
    },
    async size(name) {
      return bytes.get(name)?.byteLength ?? null;
    },
    async read(name, start, end) {
      const data = bytes.get(name);
      if (!data) throw new Error(`${label}/${name}: file not found`);
      return data.subarray(start ?? 0, end ?? data.byteLength);
    },
  };
}
