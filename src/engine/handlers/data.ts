/**
 * Dataset requests. `sampleData`, `previewData`, `validateData`, `prepareData` and `prepareShard` run in the data workers (parsing
 * and tokenizing never touch the engine worker's training loop or the UI thread); `listDatasets` and
 * `deleteDataset` are plain storage and are served by both kinds of worker. A pooled preparation is `prepareShard`
 * on each of N data workers, then `prepareData` with the shards on the first (src/engine/data/pooled-prepare.ts).
 */
import { mergeShards, shardsAgree } from '../../data/merge';
import { prepareDataset } from '../../data/prepare';
import { prepareShard } from '../../data/shard';
import { compactShard, expandShard, positionTracker } from '../../data/prepare-pooled';
import { compactShardTransferables, type CompactShard } from '../../data/shard-pool';
import { previewExample } from '../../data/preview';
import { DEFAULT_MAX_SEQ_LEN } from '../../data/options';
import { promptFormatOf, promptOfExample, type PromptFormat } from '../../data/prompt-format';
import { noExamplesReason } from '../../data/report';
import { sampleDataset } from '../../data/sample';
import { SHAPE_LABELS } from '../../data/shape';
import type { DatasetInput, DatasetRunHooks, PreparedDataset } from '../../data/types';
import type { PrepareDataParams } from '../../protocol/data-types';
import type { TextTokenizer } from '../../tokenizer/types';
import type { NamedBlob } from '../../protocol/model-types';
import { InvalidRequestError } from '../../spec/errors';
import { deleteDataset, listDatasets } from '../../storage';
import { saveDataset } from '../data/dataset-store';
import { tokenizerFor } from '../data/tokenizer-cache';
import type { EngineHandlers, HandlerSpec, JobContext } from '../job';
import { requireId } from './request-checks';
import { storeHandler } from './store-handler';
import { RateMeter } from '../rate-meter';

/** Records shown per file in the sample. */
const SAMPLE_RECORDS = 5;

export const sampleDataHandler: HandlerSpec<'sampleData'> = {
  gpu: false,
  async run(params, job) {
    if (!Array.isArray(params.files) || params.files.length === 0)
      throw new InvalidRequestError('Drop at least one data file.');
    const out = [];
    for (const f of params.files) {
      const s = await sampleDataset({ name: f.name, blob: f.blob }, SAMPLE_RECORDS, params.mapping, job.signal);
      out.push({ ...s, shapeLabel: s.mapping ? SHAPE_LABELS[s.mapping.shape] : null });
    }
    return out;
  },
};

export const previewDataHandler: HandlerSpec<'previewData'> = {
  gpu: false,
  async run(params, job) {
    const tokenizer = await tokenizerFor(params.tokenizer, job);
    return previewExample(params.record, tokenizer, params.options);
  },
};

/** The dropped files as dataset inputs (Blobs: every shard of a pooled pass reads them again). */
function inputsOf(files: readonly NamedBlob[]): DatasetInput[] {
  if (!files?.length) throw new InvalidRequestError('Drop at least one data file.');
  return files.map((f) => ({ name: f.name, blob: f.blob, size: f.blob.size }));
}

/** Progress hooks of one pass: bytes of all files read, with speed and the current file's record count. */
function readProgress(inputs: readonly DatasetInput[], job: JobContext): DatasetRunHooks {
  const meter = new RateMeter();
  const onProgress = positionTracker(inputs, (p) =>
    job.emit({
      kind: 'progress',
      stage: 'read',
      done: p.done,
      total: p.total,
      unit: 'bytes',
      rate: meter.update(p.done),
      detail: p.detail,
    }),
  );
  return { signal: job.signal, onProgress };
}

/** Reads, validates and tokenizes the files in this worker alone. */
async function prepareHere(
  params: PrepareDataParams,
  inputs: DatasetInput[],
  job: JobContext,
): Promise<PreparedDataset> {
  job.progress('tokenizer', 0, 1);
  const tokenizer = await tokenizerFor(params.tokenizer, job);
  return prepareDataset(inputs, tokenizer, params.options, readProgress(inputs, job));
}

/** Merges the shards N workers tokenized; when they cannot agree (see `shardsAgree`) this worker does one pass. */
function prepareFromShards(
  params: PrepareDataParams,
  shards: CompactShard[],
  inputs: DatasetInput[],
  job: JobContext,
): Promise<PreparedDataset> {
  const expanded = shards.map(expandShard);
  if (!shardsAgree(expanded, params.options)) return prepareHere(params, inputs, job);
  return Promise.resolve(mergeShards(expanded, params.options));
}

/** One shard of a pooled preparation: read and validate every file, tokenize every `count`th record. */
export const prepareShardHandler: HandlerSpec<'prepareShard'> = {
  gpu: false,
  async run(params, job) {
    const inputs = inputsOf(params.files);
    job.progress('tokenizer', 0, 1);
    const tokenizer = await tokenizerFor(params.tokenizer, job);
    const shard = compactShard(
      await prepareShard(inputs, tokenizer, params.options, params.shard, readProgress(inputs, job)),
    );
    job.transfer(...compactShardTransferables(shard));
    return shard;
  },
};

export const prepareDataHandler: HandlerSpec<'prepareData'> = {
  gpu: false,
  async run(params, job) {
    const inputs = inputsOf(params.files);
    const totalBytes = inputs.reduce((s, i) => s + (i.size ?? 0), 0);
    const prepared = params.shards?.length
      ? await prepareFromShards(params, params.shards, inputs, job)
      : await prepareHere(params, inputs, job);
    const { train: _train, eval: _eval, ...report } = prepared;
    if (!prepared.ok) return { ...report, datasetId: null, emptyReason: null };
    // Samples and Generate render prompts as this preparation did (the tokenizer is cached from the pass).
    const tokenizer = await tokenizerFor(params.tokenizer, job);
    const promptFormat = promptFormatOf(
      prepared.shape,
      params.options.template,
      tokenizer.hasChatTemplate,
      params.options.templateVariables,
    );
    const reasonContext = {
      maxSeqLen: params.options.maxSeqLen ?? DEFAULT_MAX_SEQ_LEN,
      lengthName: 'the max tokens per example',
      format: promptFormat,
    };
    const emptyReason = noExamplesReason(prepared, reasonContext);
    if (emptyReason) return { ...report, datasetId: null, emptyReason: `Nothing to train on: ${emptyReason}.` };
    if (params.save === false) return { ...report, datasetId: null, emptyReason: null };
    const db = await job.state.db();
    const id = `ds-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const first = params.files[0];
    const record = await saveDataset(
      db,
      {
        id,
        name: params.name || first.name,
        source: {
          fileName: params.files.map((f) => f.name).join(', '),
          format: report.files[0]?.format ?? 'unknown',
          byteLength: totalBytes,
        },
        tokenizer: params.tokenizerId,
        promptFormat,
        samplePrompts: samplePromptsOf(prepared, promptFormat, tokenizer),
        info: {
          stats: report.stats,
          files: report.files,
          skipped: report.skipped,
          problemCount: report.problemCount,
          options: params.options,
        },
      },
      prepared,
      { signal: job.signal, onProgress: (done, total) => job.progress('store', done, total, 'bytes') },
    );
    job.log('info', `stored dataset ${record.name}: ${record.exampleCount} examples, ${record.tokenCount} tokens`);
    return { ...report, datasetId: record.id, emptyReason: null };
  },
};

/** Sample prompts a run offers by default: the prompts of the first eval examples (held out from training). */
function samplePromptsOf(prepared: PreparedDataset, format: PromptFormat, tokenizer: TextTokenizer): string[] {
  const from = prepared.eval.length > 0 ? prepared.eval : prepared.train;
  const prompts = from.slice(0, 8).map((ex) => promptOfExample(format, tokenizer, ex));
  return [...new Set(prompts.filter((p): p is string => p !== null))].slice(0, 2);
}

/** Every record read and validated, nothing tokenized or stored: problems as soon as files are dropped. */
export const validateDataHandler: HandlerSpec<'validateData'> = {
  gpu: false,
  async run(params, job) {
    const inputs = inputsOf(params.files);
    const {
      train: _train,
      eval: _eval,
      ...checked
    } = await prepareDataset(inputs, null, params.options, readProgress(inputs, job));
    return { ...checked, datasetId: null, emptyReason: null };
  },
};

export const listDatasetsHandler = storeHandler<'listDatasets'>((db) => listDatasets(db));

export const deleteDatasetHandler = storeHandler<'deleteDataset'>(async (db, params) => {
  const id = requireId(params.id, 'dataset');
  await deleteDataset(db, id);
  return { id };
});

/** The requests the data worker serves. */
type DataRequest =
  'sampleData' | 'previewData' | 'prepareData' | 'prepareShard' | 'validateData' | 'listDatasets' | 'deleteDataset';

/**
 * The data worker's handlers: dataset sampling, preview, preparation and the dataset library. The engine worker
 * registers them too, so an in-process engine (CLI, tests) has them.
 */
export const dataHandlers: Pick<EngineHandlers, DataRequest> = {
  sampleData: sampleDataHandler,
  previewData: previewDataHandler,
  prepareData: prepareDataHandler,
  prepareShard: prepareShardHandler,
  validateData: validateDataHandler,
  listDatasets: listDatasetsHandler,
  deleteDataset: deleteDatasetHandler,
};
