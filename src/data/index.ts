/**
 * Datasets: read `.jsonl`/`.json`/`.csv`/`.tsv`/`.txt`/`.md`/`.parquet` (streamed, bounded memory), detect the
 * record shape, validate every record (`FILE:LINE: what is wrong`), render with the chat or prompt template,
 * tokenize with a per-token loss mask, gather statistics, split, shuffle and pack. Framework-free and DOM-free:
 * runs in a worker, on the main thread and in Node. Node-only helpers live in `node-input.node.ts`.
 */
export { prepareDataset } from './prepare';
export { DatasetOptionsError, resolveOptions, type ResolvedOptions } from './options';
export { prepareShard, shardTransferables, type DatasetShard, type ShardSpec } from './shard';
export { mergeShards, shardsAgree } from './merge';
export { compactShardTransferables, runShards, type CompactShard, type PoolHooks, type PoolProgress, type ShardPosition, type ShardRunner } from './shard-pool';
export { compactShard, expandShard, positionTracker, prepareDatasetPooled } from './prepare-pooled';
export { sampleDataset, type DatasetSample } from './sample';
export { previewExample, type PreviewOptions, type PreviewResult, type PreviewToken } from './preview';
export { renderExample, RenderError, withTemplateVariables, type RenderOptions } from './render';
export { normalizeRecord } from './normalize';
export { detectMapping, describeMapping, REQUIRED_FIELDS, SHAPE_LABELS } from './shape';
export { CHAT_TEMPLATE, DEFAULT_PROMPT_TEMPLATE, defaultTemplate, renderPromptTemplate, templateError } from './template';
export { formatFromName, SUPPORTED_EXTENSIONS } from './sniff';
export { isGzipName, stripGzip } from './gzip';
export { formatProblem, formatProblems, problemLocation } from './problems';
export { formatFiles, formatProblemSummary, formatStats, noExamplesReason, reportForTraining, PRINTED_PROBLEMS, type ReasonContext } from './report';
export { describePromptFormat, formatPrompt, isPromptFormat, PLAIN_TEMPLATE, promptFormatOf, type FormattedPrompt, type PromptFormat } from './prompt-format';
export { splitTrainEval, evalCount } from './split';
export { packExamples, planPacking } from './pack';
export {
  chunkCompact,
  compactExample,
  compactLength,
  compactPrepared,
  compactPreparedTransferables,
  compactTransferables,
  fromCompact,
  toCompact,
  type CompactExamples,
  type CompactPrepared,
} from './compact';
export { generateSyntheticJsonl } from './synthetic';
export type * from './types';
