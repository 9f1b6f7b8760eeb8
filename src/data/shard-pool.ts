/**
 * Tokenizing across a pool of workers, apart from how a shard reaches a worker: `runShards` starts shard i of N on
 * runner i, folds their progress into one, stops every runner when the caller cancels or one of them fails, and
 * returns the shards in index order for `mergeShards`, whose result does not depend on N (see shard.ts).
 *
 * The studio's runners are data workers (src/engine/data/pooled-prepare.ts, app/data-pool.ts);
 * `prepareDatasetPooled` (prepare-pooled.ts) runs the same logic in-process over `prepareShard`. This file imports
 * no reader or tokenizer code: the page runs it.
 */
import { compactTransferables, type CompactExamples } from './compact';
import type { DatasetShard, ShardSpec } from './shard';

/** Where one shard's pass is: bytes of all inputs read so far (every shard reads every file). */
export interface ShardPosition {
  /** Bytes read across all inputs, in input order. */
  done: number;
  total: number | null;
  /** "FILE · N records" (records of the current file read so far). */
  detail: string;
}

/** The pool's progress: the slowest shard's position (the pass ends when it does), and how many shards run. */
export interface PoolProgress extends ShardPosition {
  shards: number;
}

/** Starts one shard; it reports its position and stops (rejecting) when `signal` aborts. */
export type ShardRunner<T> = (
  spec: ShardSpec,
  hooks: { onPosition: (p: ShardPosition) => void; signal: AbortSignal },
) => Promise<T>;

/** Hooks of a pooled pass. */
export interface PoolHooks {
  onProgress?: (p: PoolProgress) => void;
  signal?: AbortSignal;
}

/**
 * Runs shards 0..count-1 concurrently and returns their results in index order. The first failure (or the caller's
 * abort) aborts every other shard; the promise rejects with that first error, not with the siblings' cancellations.
 */
export async function runShards<T>(count: number, run: ShardRunner<T>, hooks: PoolHooks = {}): Promise<T[]> {
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`a pool needs at least one shard, got ${count}`);
  hooks.signal?.throwIfAborted();
  const stop = new AbortController();
  const onAbort = () => stop.abort(hooks.signal?.reason);
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const positions: (ShardPosition | null)[] = Array.from({ length: count }, () => null);
  let reported = -1;
  const onPosition = (index: number, p: ShardPosition): void => {
    positions[index] = p;
    const slowest = slowestOf(positions);
    // Positions only grow; the pool's moves when its slowest shard does (N shards, one bar that never goes back).
    if (slowest && slowest.done >= reported) {
      reported = slowest.done;
      hooks.onProgress?.({ ...slowest, shards: count });
    }
  };
  let firstError: { error: unknown } | null = null;
  const runs = Array.from({ length: count }, (_, index) =>
    run({ index, count }, { onPosition: (p) => onPosition(index, p), signal: stop.signal }).catch((error: unknown) => {
      firstError ??= { error };
      stop.abort(error);
      throw error;
    }),
  );
  try {
    const settled = await Promise.allSettled(runs);
    if (firstError) throw (firstError as { error: unknown }).error;
    return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
  } finally {
    hooks.signal?.removeEventListener('abort', onAbort);
  }
}

/** The position furthest behind; a shard that has not reported yet is at 0 (still loading its tokenizer). */
function slowestOf(positions: readonly (ShardPosition | null)[]): ShardPosition | null {
  const known = positions.filter((p): p is ShardPosition => p !== null);
  if (known.length === 0) return null;
  const slowest = known.reduce((a, b) => (b.done < a.done ? b : a));
  return known.length < positions.length ? { ...slowest, done: 0, detail: 'loading the tokenizer' } : slowest;
}

/** A shard as it crosses a worker boundary: its examples flattened into three transferable arrays. */
export type CompactShard = Omit<DatasetShard, 'examples'> & { examples: CompactExamples };

/** Buffers of a compact shard, for `postMessage(shard, transfer)`. */
export function compactShardTransferables(shard: CompactShard): ArrayBuffer[] {
  return [
    ...compactTransferables(shard.examples),
    shard.order.buffer as ArrayBuffer,
    shard.counters.lengths.buffer as ArrayBuffer,
  ];
}
