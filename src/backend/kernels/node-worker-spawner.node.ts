/** Node's worker_threads as a `WorkerSpawner` (the script evaluated as CommonJS), for tests, benches and the CLI. */
import { Worker } from 'node:worker_threads';
import type { WorkerSpawner } from './kernel-pool';

export const nodeWorkerSpawner: WorkerSpawner = (source) => {
  const w = new Worker(source, { eval: true });
  w.unref(); // a pool never keeps the process alive
  return w;
};
