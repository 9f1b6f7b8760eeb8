/**
 * Exports to disk that never leave a partial file or folder: bytes go to `<path>.partial` next to the target and are renamed
 * into place only when complete; any failure (disk full, bad input found mid-way, cancel) deletes the partial file.
 */
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { ByteSink } from '../formats/gguf-writer';
import type { FolderSink } from './folder-sink';

/** A sink on a temporary file; `commit()` renames it to `target`, `abort()` deletes it. */
export interface FileSink extends ByteSink {
  readonly bytesWritten: number;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Turns ENOSPC / EDQUOT into a message a user can act on. */
export function diskError(e: unknown, target: string): Error {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new Error(`${target}: the disk is full (or over quota); nothing was written. Free space and export again.`);
  return e as Error;
}

export async function openFileSink(target: string): Promise<FileSink> {
  const partial = `${target}.partial`;
  let handle: FileHandle | null = await open(partial, 'w');
  let bytesWritten = 0;
  return {
    get bytesWritten() {
      return bytesWritten;
    },
    async write(chunk) {
      if (!handle) throw new Error(`${target}: write after close`);
      let done = 0;
      while (done < chunk.byteLength) done += (await handle.write(chunk, done, chunk.byteLength - done)).bytesWritten;
      bytesWritten += chunk.byteLength;
    },
    async commit() {
      await handle?.close();
      handle = null;
      await rename(partial, target);
    },
    async abort() {
      await handle?.close().catch(() => undefined);
      handle = null;
      await rm(partial, { force: true });
    },
  };
}

/** Runs `fill` against a fresh sink for `target`, committing on success and deleting everything on failure. */
export async function writeFileAtomically<T>(target: string, fill: (sink: ByteSink) => Promise<T>): Promise<T> {
  const sink = await openFileSink(target).catch((e) => {
    throw diskError(e, target);
  });
  try {
    const result = await fill(sink);
    await sink.commit();
    return result;
  } catch (e) {
    await sink.abort();
    throw diskError(e, target);
  }
}

/**
 * Runs `fill` against a folder sink whose files land in `<dir>.partial/`; on success they move into `dir`
 * (created, or its same-named files replaced), on failure the partial folder is deleted.
 */
export async function writeFolderAtomically<T>(dir: string, fill: (sink: FolderSink) => Promise<T>): Promise<T> {
  const partial = `${dir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true });
  let current: FileSink | null = null;
  const sink: FolderSink = {
    async file(name) {
      if (current) throw new Error(`${dir}: '${name}' started before the previous file was closed`);
      if (path.basename(name) !== name) throw new Error(`${dir}: '${name}' is not a plain file name`);
      const f = await openFileSink(path.join(partial, name));
      current = f;
      return {
        write: (chunk) => f.write(chunk),
        async close() {
          await f.commit();
          current = null;
        },
      };
    },
  };
  try {
    const result = await fill(sink);
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(partial)) await rename(path.join(partial, name), path.join(dir, name));
    await rm(partial, { recursive: true, force: true });
    return result;
  } catch (e) {
    await (current as FileSink | null)?.abort();
    await rm(partial, { recursive: true, force: true });
    throw diskError(e, dir);
  }
}
