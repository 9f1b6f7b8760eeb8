/** Ranged reads of a local file (Node): what the model folder and the hub's folder cache share. */
import type { FileHandle } from 'node:fs/promises';
import { clampRange } from '../spec/model-files';

/**
 * Bytes [start, end) of an open file, clamped to its size, read in as many calls as the OS needs, so a multi-GB
 * shard is never read whole to reach one tensor. Shorter than asked only when the file shrank meanwhile.
 */
export async function readRange(handle: FileHandle, start?: number, end?: number): Promise<Uint8Array> {
  const [s, e] = clampRange((await handle.stat()).size, start, end);
  const buf = new Uint8Array(e - s);
  let done = 0;
  while (done < buf.byteLength) {
    const { bytesRead } = await handle.read(buf, done, buf.byteLength - done, s + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === buf.byteLength ? buf : buf.subarray(0, done);
}
