/** Dataset inputs from local files (CLI): streamed from disk, or (Parquet) read by ranges; never read whole. */
import { createReadStream, openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InputError } from '../spec/input-error';
import type { DatasetInput } from './types';

/** Read size for text files: large enough to be fast, small enough to keep memory flat. */
const HIGH_WATER_MARK = 256 << 10;

/**
 * A `DatasetInput` streaming `path` from disk. Problems name the file as given on the command line (so the
 * printed `FILE:LINE` opens in an editor); pass `label` to show something else. The extension of `label` picks
 * the format.
 */
export async function fileDatasetInput(path: string, label = path): Promise<DatasetInput> {
  const info = await stat(path).catch(() => {
    throw new InputError(`${path}: dataset file not found`);
  });
  if (!info.isFile()) throw new InputError(`${path}: not a file (give a dataset file, not a folder)`);
  // Parquet is read by ranges (footer first, then row groups): a file-backed Blob reads just those from disk.
  if (label.toLowerCase().endsWith('.parquet')) return { name: label, blob: await openAsBlob(path), size: info.size };
  const stream = createReadStream(path, { highWaterMark: HIGH_WATER_MARK }) as AsyncIterable<Uint8Array>;
  return { name: label, stream, size: info.size };
}
