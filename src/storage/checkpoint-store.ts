/**
 * The trainer's `CheckpointStore` (src/train/checkpoint.ts) on IndexedDB: each save is one transaction, so an
 * interrupted save leaves the previous checkpoint as the latest.
 */
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type CheckpointStore } from '../train/checkpoint';
import { latestCheckpoint, putCheckpoint } from './runs';
import type { StudioDb } from './schema';

export class IdbCheckpointStore implements CheckpointStore {
  constructor(
    private readonly db: StudioDb,
    private readonly keep = 2,
  ) {}

  async save(runId: string, cp: Checkpoint): Promise<void> {
    await putCheckpoint(this.db, runId, cp.step, encodeCheckpoint(cp), { keep: this.keep });
  }

  async loadLatest(runId: string): Promise<Checkpoint | null> {
    const latest = await latestCheckpoint(this.db, runId);
    return latest ? decodeCheckpoint(latest.state, `checkpoint ${latest.record.id}`) : null;
  }
}
