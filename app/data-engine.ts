/**
 * The page's handles on the data workers (dataset parsing, validation, tokenizing, storage). Same `Engine`
 * interface as the engine worker's client; store actions call them, components never do.
 *
 * One data worker serves every request; big preparations tokenize on a pool of them (`getDataPool`): the first
 * plus helpers started on first use, sized from the machine's cores, and let go after a minute without work (each
 * holds a tokenizer, tens of MB for a large vocabulary).
 */
import { EngineClient } from '../src/protocol/client';
import type { Engine } from '../src/protocol/engine';

/** Most data workers a preparation uses: past 4, merging and memory (a tokenizer each) outweigh the gain. */
export const MAX_DATA_WORKERS = 4;
/** Helpers idle this long are terminated. */
const HELPER_IDLE_MS = 60_000;

let client: EngineClient | null = null;
let helpers: EngineClient[] = [];
let idleTimer: ReturnType<typeof setTimeout> | null = null;

function startDataWorker(name: string): EngineClient {
  return new EngineClient({
    connect: () => new Worker(new URL('../workers/data.worker.ts', import.meta.url), { type: 'module', name }),
    heartbeatMs: 15_000,
    heartbeatTimeoutMs: 90_000,
  });
}

/** Starts the data worker on first use and returns its client. */
export function getDataEngine(): EngineClient {
  client ??= startDataWorker('data');
  return client;
}

/**
 * Data workers a preparation should tokenize on: one per core the page can spare (one stays with the UI and the
 * engine worker's training), between 1 and {@link MAX_DATA_WORKERS}.
 */
export function dataPoolSize(
  hardwareConcurrency: number | undefined = globalThis.navigator?.hardwareConcurrency,
): number {
  const cores = Number.isFinite(hardwareConcurrency) && hardwareConcurrency! > 0 ? Math.floor(hardwareConcurrency!) : 2;
  return Math.max(1, Math.min(MAX_DATA_WORKERS, cores - 1));
}

/** Below this many bytes a preparation runs on one worker: starting helpers, each loading the tokenizer, costs more. */
export const POOL_MIN_BYTES = 256 * 1024;

/** Workers to prepare `bytes` of data files on. */
export function dataPoolSizeFor(bytes: number, hardwareConcurrency?: number): number {
  return bytes < POOL_MIN_BYTES ? 1 : dataPoolSize(hardwareConcurrency);
}

/**
 * The first data worker and `size - 1` helpers (started now if needed; a crashed one is replaced). Call
 * `releaseDataPool` when the job ends so idle helpers can be let go.
 */
export function getDataPool(size = dataPoolSize()): Engine[] {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = null;
  for (const h of helpers) if (h.state === 'crashed') h.dispose();
  helpers = helpers.filter((h) => h.state !== 'disposed');
  while (helpers.length < size - 1) helpers.push(startDataWorker(`data-${helpers.length + 1}`));
  return [getDataEngine(), ...helpers.slice(0, size - 1)];
}

/** The pool's job ended: terminate the helpers unless another job wants them within a minute. */
export function releaseDataPool(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => {
    helpers.forEach((h) => h.dispose());
    helpers = [];
    idleTimer = null;
  }, HELPER_IDLE_MS);
}
