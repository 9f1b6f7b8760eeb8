/**
 * The pieces of a pooled pass that run where the data is read: a shard's progress over all inputs, its compact
 * wire form, and `prepareDatasetPooled`, the pooled pass in one thread (what tests compare with `prepareDataset`).
 */
import type { TextTokenizer } from '../tokenizer/types';
import { inputSize } from './byte-source';
import { compactExample, compactLength, toCompact } from './compact';
import { mergeShards, shardsAgree } from './merge';
import { prepareShard, type DatasetShard } from './shard';
import { runShards, type CompactShard, type PoolHooks, type ShardPosition, type ShardRunner } from './shard-pool';
import type { DatasetInput, DatasetProgress, PreparedDataset, PrepareOptions } from './types';

/** Turns `prepareShard`'s per-file progress into a position over all inputs. */
export function positionTracker(
  inputs: readonly DatasetInput[],
  onPosition: (p: ShardPosition) => void,
): (p: DatasetProgress) => void {
  const sizes = inputs.map((i) => inputSize(i));
  const total = sizes.every((s) => s !== null) ? sizes.reduce<number>((a, s) => a + (s ?? 0), 0) : null;
  return (p) => {
    const before = sizes.slice(0, p.fileIndex).reduce<number>((a, s) => a + (s ?? 0), 0);
    onPosition({
      done: before + p.bytesRead,
      total,
      detail: `${p.file} · ${p.records.toLocaleString('en-US')} records`,
    });
  };
}

/** Flattens a shard's examples (one copy, so that ~3 buffers cross instead of two per example). */
export function compactShard(shard: DatasetShard): CompactShard {
  return { ...shard, examples: toCompact(shard.examples) };
}

/** The shard back with one example per record (views into the compact arrays). */
export function expandShard(shard: CompactShard): DatasetShard {
  const examples = Array.from({ length: compactLength(shard.examples) }, (_, i) => compactExample(shard.examples, i));
  return { ...shard, examples };
}

/**
 * `prepareDataset` split into `count` shards run concurrently in this thread, then merged: the same result as
 * `prepareDataset` for any count. (Interleaved on one thread it is no faster; workers make it so.) Every shard
 * reads every input, so inputs must be bytes or Blobs.
 */
export async function prepareDatasetPooled(
  inputs: readonly DatasetInput[],
  tokenizer: TextTokenizer | null,
  options: PrepareOptions,
  count: number,
  hooks: PoolHooks = {},
): Promise<PreparedDataset> {
  if (count > 1 && inputs.some((i) => !i.bytes && !i.blob)) {
    throw new Error('a pooled pass reads every input once per shard: give bytes or a Blob, not a stream');
  }
  const run: ShardRunner<DatasetShard> = (spec, h) =>
    prepareShard(inputs, tokenizer, options, spec, {
      signal: h.signal,
      onProgress: positionTracker(inputs, h.onPosition),
    });
  const shards = await runShards(count, run, hooks);
  if (shardsAgree(shards, options)) return mergeShards(shards, options);
  // A render problem under policy 'fail' (see shardsAgree): one shard gives the figures a single pass does.
  const [whole] = await runShards(1, run, hooks);
  return mergeShards([whole], options);
}
