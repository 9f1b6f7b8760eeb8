/**
 * Zip archives of adapter folders (download as one file, import a dropped .zip) via fflate. Entries are stored
 * without compression: safetensors of f32 noise barely compress and storing keeps export instant.
 */
import { unzipSync, zipSync, type Zippable } from 'fflate';
import { memoryFiles } from './memory-files';
import type { ModelFiles } from '../spec/model-files';

/** Zips `files` (name → bytes or text) into one archive, optionally under a folder name. */
export function zipFolder(files: Record<string, Uint8Array | string>, folder?: string): Uint8Array {
  const entries: Zippable = {};
  for (const [name, v] of Object.entries(files)) {
    const path = folder ? `${folder}/${name}` : name;
    entries[path] = [typeof v === 'string' ? new TextEncoder().encode(v) : v, { level: 0 }];
  }
  return zipSync(entries);
}

/**
 * Opens a zip as `ModelFiles`. When every entry sits in one top-level folder (a zipped folder), that folder is
 * stripped so `adapter_config.json` is found at the root either way.
 */
export function unzipFiles(bytes: Uint8Array, label = 'archive.zip'): ModelFiles {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (e) {
    throw new Error(`${label}: not a readable zip archive (${(e as Error).message})`);
  }
  const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
  const tops = new Set(names.map((n) => (n.includes('/') ? n.slice(0, n.indexOf('/')) : '')));
  const strip = tops.size === 1 && !tops.has('') ? [...tops][0].length + 1 : 0;
  const out: Record<string, Uint8Array> = {};
  for (const n of names) out[n.slice(strip)] = entries[n];
  return memoryFiles(out, label);
}
