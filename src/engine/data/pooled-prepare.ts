/**
 * A dataset preparation on a pool of data workers, over the `Engine` interface (worker clients in the studio,
 * in-process engines or MessageChannel clients in tests): `prepareShard` on each of N engines, then `prepareData`
 * on the first with the N shards (transferred), which merges and stores them. The result is exactly what
 * `prepareData` on one engine gives (see src/data/shard-pool.ts); only the tokenizing is spread.
 */
import { compactShardTransferables, runShards, type CompactShard } from '../../data/shard-pool';
import type { PrepareDataParams, PrepareDataResult } from '../../protocol/data-types';
import type { Engine } from '../../protocol/engine';
import type { EngineEvent, EngineEventMap } from '../../protocol/messages';
import { RateMeter } from '../rate-meter';

/** A progress event as the caller sees it (the pool's, or the storing engine's). */
export type PoolJobProgress = Omit<EngineEventMap['progress'], 'kind' | 'jobId'>;

/** Hooks of a pooled preparation. */
export interface PooledPrepareHooks {
  signal?: AbortSignal;
  onProgress?: (p: PoolJobProgress) => void;
}

/** Passes on the progress events of a job. */
function forwardProgress(hooks: PooledPrepareHooks): (e: EngineEvent) => void {
  return (e) => {
    if (e.kind === 'progress')
      hooks.onProgress?.({
        stage: e.stage,
        done: e.done,
        total: e.total,
        unit: e.unit,
        rate: e.rate,
        detail: e.detail,
      });
  };
}

/**
 * Prepares (and, unless `save: false`, stores) a dataset, tokenizing on every engine of `engines`. One engine:
 * plain `prepareData`. Cancelling `hooks.signal` cancels the job on every engine.
 */
export async function prepareOnPool(
  engines: readonly Engine[],
  params: PrepareDataParams,
  hooks: PooledPrepareHooks = {},
): Promise<PrepareDataResult> {
  if (engines.length === 0) throw new Error('prepareOnPool needs at least one engine');
  const { signal } = hooks;
  if (engines.length === 1)
    return engines[0].request('prepareData', params, { signal, onEvent: forwardProgress(hooks) });
  const meter = new RateMeter();
  const { files, tokenizer, options } = params;
  const shards = await runShards<CompactShard>(
    engines.length,
    (shard, h) =>
      engines[shard.index].request(
        'prepareShard',
        { files, tokenizer, options, shard },
        {
          signal: h.signal,
          onEvent: (e) => {
            if (e.kind === 'progress' && e.stage === 'read')
              h.onPosition({ done: e.done, total: e.total, detail: e.detail ?? '' });
          },
        },
      ),
    {
      signal,
      onProgress: (p) =>
        hooks.onProgress?.({
          stage: 'read',
          done: p.done,
          total: p.total,
          unit: 'bytes',
          rate: meter.update(p.done),
          detail: `${p.detail} · ${p.shards} workers`,
        }),
    },
  );
  const transfer = shards.flatMap(compactShardTransferables);
  return engines[0].request(
    'prepareData',
    { ...params, shards },
    { signal, transfer, onEvent: forwardProgress(hooks) },
  );
}
