/**
 * Where a checkpoint's files come from. The engine never touches `fs`, `File` or `fetch` directly: Node (CLI,
 * tests) reads a folder, the browser reads dropped files, the hub cache or the built-in demo model, all through
 * this interface. Ranged reads let safetensors stream tensor by tensor instead of holding a whole shard twice.
 */
import { InputError } from './input-error';

export interface ModelFiles {
  /** Human-readable origin for error messages ("/path/to/dir", "hf:org/name@main", "demo"). */
  readonly label: string;
  /** File names available (relative, e.g. "config.json", "model-00001-of-00002.safetensors"). */
  list(): Promise<string[]>;
  /** Size in bytes, or null when the file is absent. */
  size(name: string): Promise<number | null>;
  /** Bytes [start, end) of a file; whole file when both are omitted. Rejects with a clear error when absent. */
  read(name: string, start?: number, end?: number): Promise<Uint8Array>;
}

/** Reads a whole file as UTF-8 text. */
export async function readText(files: ModelFiles, name: string): Promise<string> {
  return new TextDecoder('utf-8').decode(await files.read(name));
}

/** Parses a JSON file, naming the file in the error when it is not valid JSON. */
export async function readJson<T = unknown>(files: ModelFiles, name: string): Promise<T> {
  const text = await readText(files, name);
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new InputError(`${files.label}/${name}: not valid JSON (${(e as Error).message})`);
  }
}

/** Clamps a [start, end) request to a file of `size` bytes, as every `ModelFiles.read` does. */
export function clampRange(size: number, start?: number, end?: number): [number, number] {
  const s = Math.max(0, Math.min(start ?? 0, size));
  return [s, Math.max(s, Math.min(end ?? size, size))];
}
