/**
 * A `ModelFiles` over a local folder (CLI, tests). Ranged reads go through a file handle so a multi-GB shard is
 * never read whole just to reach one tensor.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../spec/input-error';
import { readRange } from '../formats/read-range.node.js';
import type { ModelFiles } from '../spec/model-files';

/** Files directly inside `dir` (no recursion: Hugging Face checkpoints are flat). */
export function folderFiles(dir: string): ModelFiles {
  const root = path.resolve(dir);
  const resolve = (name: string): string => {
    const p = path.resolve(root, name);
    if (path.dirname(p) !== root) throw new InputError(`${root}: '${name}' is not a file name inside the model folder`);
    return p;
  };
  return {
    label: root,
    async list() {
      const entries = await readdir(root, { withFileTypes: true });
      return entries
        .filter((e) => e.isFile())
        .map((e) => e.name)
        .sort();
    },
    async size(name) {
      try {
        const s = await stat(resolve(name));
        return s.isFile() ? s.size : null;
      } catch {
        return null;
      }
    },
    async read(name, start, end) {
      let handle;
      try {
        handle = await open(resolve(name), 'r');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new InputError(
          code === 'ENOENT' ? `${root}/${name}: file not found` : `${root}/${name}: ${(e as Error).message}`,
        );
      }
      try {
        return await readRange(handle, start, end);
      } finally {
        await handle.close();
      }
    },
  };
}

/** `folderFiles(dir)` after checking that `dir` is an existing directory (clear error otherwise). */
export async function openModelFolder(dir: string): Promise<ModelFiles> {
  const root = path.resolve(dir);
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    throw new InputError(`${root}: model folder not found`);
  }
  if (!isDir) throw new InputError(`${root}: not a folder (pass the folder holding config.json)`);
  return folderFiles(root);
}
