/**
 * `CheckpointStore` on the file system (CLI): `<dir>/<runId>/checkpoint.safetensors`, written to a temp file and
 * renamed over the old one, so a crash mid-write leaves the previous checkpoint intact.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointStore } from './checkpoint';

const FILE = 'checkpoint.safetensors';

export class FileCheckpointStore implements CheckpointStore {
  constructor(private readonly dir: string) {}

  private runDir(runId: string): string {
    if (!/^[\w.-]+$/.test(runId)) throw new Error(`invalid run id '${runId}'`);
    return path.join(this.dir, runId);
  }

  async save(runId: string, cp: Checkpoint): Promise<void> {
    const dir = this.runDir(runId);
    await mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `${FILE}.tmp-${process.pid}`);
    await writeFile(tmp, encodeCheckpoint(cp));
    await rename(tmp, path.join(dir, FILE));
  }

  async loadLatest(runId: string): Promise<Checkpoint | null> {
    const file = path.join(this.runDir(runId), FILE);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await readFile(file));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    return decodeCheckpoint(bytes, file);
  }
}
