import type { StorageSummary } from '../../protocol/messages';
import type { HandlerSpec } from '../job';

/** `storageSummary`: count and bytes of each kind of stored data (metadata reads only, no blobs). */
export const storageSummaryHandler: HandlerSpec<'storageSummary'> = {
  gpu: false,
  async run(_params, job) {
    const db = await job.state.db();
    // Runs are counted, not read: each holds its whole metric history, and the status bar asks every 5 s.
    const [adapters, datasets, runCount, checkpoints, models] = await Promise.all([
      db.getAll('adapters'),
      db.getAll('datasets'),
      db.count('runs'),
      db.getAll('checkpoints'),
      db.getAll('models'),
    ]);
    const sum = (rows: { sizeBytes: number }[]) => ({
      count: rows.length,
      bytes: rows.reduce((s, r) => s + r.sizeBytes, 0),
    });
    const summary: StorageSummary = {
      adapters: sum(adapters),
      datasets: sum(datasets),
      // Runs hold config and metrics only; their weight lives in checkpoints.
      runs: { count: runCount, bytes: 0 },
      checkpoints: sum(checkpoints),
      models: sum(models),
    };
    return summary;
  },
};
