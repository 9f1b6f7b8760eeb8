/**
 * Zip archives of adapter folders (download as one file, import a dropped .zip) via fflate. Entries are stored
 * without compression: safetensors of f32 noise barely compress and storing keeps export instant.
 */
import { unzipSync, zipSync, type UnzipFileInfo, type Zippable } from 'fflate';
import { memoryFiles } from './memory-files';
import type { ModelFiles } from '../spec/model-files';
import { InputError } from '../spec/input-error';

/**
 * Caps checked on the central directory before anything is inflated, as zip tools guard against bombs (a 1.5 MB
 * archive could expand to 1.5 GiB). An adapter folder has a handful of files; its safetensors barely compress
 * (f32 noise, at most ~2× for a fresh adapter whose B is zero), so a big entry packed more than 100× is a bomb.
 */
export const ZIP_LIMITS = { entries: 256, totalBytes: 2 ** 31, ratio: 100, ratioFloorBytes: 1 << 20 };

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
export function unzipFiles(bytes: Uint8Array, label = 'archive.zip', limits = ZIP_LIMITS): ModelFiles {
  let entries: Record<string, Uint8Array>;
  let count = 0;
  let total = 0;
  // fflate calls the filter with each entry's declared sizes before inflating it, and inflates into a buffer of
  // exactly the declared size, so these checks bound both time and memory.
  const filter = (f: UnzipFileInfo): boolean => {
    if (++count > limits.entries)
      throw new InputError(`${label}: more than ${limits.entries} entries; not an adapter archive`);
    total += f.originalSize;
    if (total > limits.totalBytes) {
      throw new InputError(`${label}: expands to more than ${limits.totalBytes} bytes; refusing to unpack it`);
    }
    if (f.originalSize > limits.ratioFloorBytes && f.originalSize > limits.ratio * Math.max(1, f.size)) {
      throw new InputError(
        `${label}: '${f.name}' expands ${Math.round(f.originalSize / Math.max(1, f.size))}× ` +
          `(${f.size} → ${f.originalSize} bytes), more than the ${limits.ratio}× an adapter can; refusing a zip bomb`,
      );
    }
    return true;
  };
  try {
    entries = unzipSync(bytes, { filter });
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${label}: not a readable zip archive (${(e as Error).message})`);
  }
  const names = Object.keys(entries).filter((n) => !n.endsWith('/'));
  const tops = new Set(names.map((n) => (n.includes('/') ? n.slice(0, n.indexOf('/')) : '')));
  const strip = tops.size === 1 && !tops.has('') ? [...tops][0].length + 1 : 0;
  const out: Record<string, Uint8Array> = {};
  for (const n of names) out[n.slice(strip)] = entries[n];
  return memoryFiles(out, label);
}
