/**
 * `prepareDataset`: the one entry point the CLI's `train`/`data check` and the dataset worker call. Streams every
 * input file through its reader, validates each record, renders and tokenizes it, applies the over-length and
 * duplicate policies, gathers statistics, then splits (seeded), shuffles and optionally packs. Only token arrays
 * are kept in memory, never the text. To tokenize on several workers, run `prepareShard` on each and
 * `mergeShards` the results: the outcome is the same.
 */
import type { TextTokenizer } from '../tokenizer/types';
import { mergeShards } from './merge';
import { prepareShard } from './shard';
import type { DatasetInput, DatasetRunHooks, PreparedDataset, PrepareOptions } from './types';

export { DatasetOptionsError, resolveOptions, type ResolvedOptions } from './options';
export { mergeShards } from './merge';
export { prepareShard, type DatasetShard, type ShardSpec } from './shard';

/**
 * Reads, validates and tokenizes `inputs`. With `tokenizer` null it only validates (no tokens, no examples:
 * what `data check` does without a model). Under policy 'fail' any problem makes `ok` false and leaves
 * `train`/`eval` empty; under 'skip' bad records are left out and counted in `skipped`. Throws
 * `DatasetOptionsError` for impossible options and the signal's reason when aborted.
 */
export async function prepareDataset(
  inputs: readonly DatasetInput[],
  tokenizer: TextTokenizer | null,
  options: PrepareOptions = {},
  hooks: DatasetRunHooks = {},
): Promise<PreparedDataset> {
  const shard = await prepareShard(inputs, tokenizer, options, { index: 0, count: 1 }, hooks);
  return mergeShards([shard], options);
}
