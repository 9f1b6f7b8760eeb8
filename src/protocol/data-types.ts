/**
 * Types of the dataset requests served by the data worker (`sampleData`, `previewData`, `prepareData`,
 * `prepareShard`) and the
 * dataset library (`listDatasets`, `deleteDataset`). Plain structured-clone data.
 */
import type { PreviewOptions, PreviewResult } from '../data/preview';
import type {
  ColumnMapping,
  DatasetFormat,
  DatasetProblem,
  PreparedDataset,
  PrepareOptions,
  SourceRecord,
} from '../data/types';
import type { ShardSpec } from '../data/shard';
import type { CompactShard } from '../data/shard-pool';
import type { ModelSource, NamedBlob } from './model-types';

/** What a quick look at one dropped file found. */
export interface DataFileSample {
  file: string;
  format: DatasetFormat | null;
  /** Keys/columns of the first valid record. */
  keys: string[];
  /** Detected (or overridden) mapping; null when no shape fits. */
  mapping: ColumnMapping | null;
  /** "Chat (messages)", "Prompt / completion", … or null. */
  shapeLabel: string | null;
  /** The first valid records, raw. */
  records: SourceRecord[];
  /** Problems among the records read for the sample. */
  problems: DatasetProblem[];
}

/** Params of `previewData`: one record rendered with the model's tokenizer. */
export interface PreviewDataParams {
  /** Where the tokenizer comes from (the loaded base model's source). */
  tokenizer: ModelSource;
  record: Record<string, unknown>;
  options: PreviewOptions;
}

/** Params of `prepareData`: validate, tokenize and (when `save`) store a dataset. */
export interface PrepareDataParams {
  /** Display name of the stored dataset. */
  name: string;
  files: NamedBlob[];
  tokenizer: ModelSource;
  /** Id of the base model the ids belong to (stored with the dataset; training checks it). */
  tokenizerId: string;
  options: PrepareOptions;
  /** Store in IndexedDB when the preparation succeeded (default true). */
  save?: boolean;
  /**
   * Shards 0..N-1 of these same files and options, from `prepareShard` on N data workers (buffers transferred):
   * the worker merges them instead of reading the files, giving exactly the one-worker result.
   */
  shards?: CompactShard[];
}

/** Params of `prepareShard`: read and validate every file, tokenize shard `shard.index` of `shard.count`. */
export interface PrepareShardParams {
  files: NamedBlob[];
  tokenizer: ModelSource;
  options: PrepareOptions;
  shard: ShardSpec;
}

/** What `prepareData` found, and the stored dataset when it was saved. */
export type PrepareDataResult = Omit<PreparedDataset, 'train' | 'eval'> & {
  /** Id of the stored dataset, or null (not ok, nothing usable, or `save: false`). */
  datasetId: string | null;
  /** Why no example is usable (then nothing is stored), in words that say what to change; null otherwise. */
  emptyReason: string | null;
};

/**
 * Params of `validateData`: read and validate every record of the files, without a tokenizer and without storing
 * (the studio runs it as soon as files are dropped, so bad lines show before "Prepare").
 */
export interface ValidateDataParams {
  files: NamedBlob[];
  options: PrepareOptions;
}

export type { CompactShard, PreviewResult };
