/**
 * Dataset requests. `sampleData`, `previewData` and `prepareData` run in the data worker (parsing and
 * tokenizing never touch the engine worker's training loop or the UI thread); `listDatasets` and `deleteDataset`
 * are plain storage and are served by both workers.
 */
import { prepareDataset } from '../../data/prepare';
import { previewExample } from '../../data/preview';
import { sampleDataset } from '../../data/sample';
import { SHAPE_LABELS } from '../../data/shape';
import type { DatasetInput } from '../../data/types';
import { InvalidRequestError } from '../../protocol/errors';
import { deleteDataset, listDatasets } from '../../storage';
import { saveDataset } from '../data/dataset-store';
import { tokenizerFor } from '../data/tokenizer-cache';
import type { HandlerSpec } from '../job';
import { RateMeter } from '../rate-meter';

/** Records shown per file in the sample. */
const SAMPLE_RECORDS = 5;

export const sampleDataHandler: HandlerSpec<'sampleData'> = {
  gpu: false,
  async run(params, job) {
    if (!Array.isArray(params.files) || params.files.length === 0) throw new InvalidRequestError('Drop at least one data file.');
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

export const prepareDataHandler: HandlerSpec<'prepareData'> = {
  gpu: false,
  async run(params, job) {
    if (!params.files?.length) throw new InvalidRequestError('Drop at least one data file.');
    job.progress('tokenizer', 0, 1);
    const tokenizer = await tokenizerFor(params.tokenizer, job);
    const inputs: DatasetInput[] = params.files.map((f) => ({ name: f.name, blob: f.blob, size: f.blob.size }));
    const totalBytes = inputs.reduce((s, i) => s + (i.size ?? 0), 0);
    const meter = new RateMeter();
    let before = 0;
    let lastFile = -1;
    const prepared = await prepareDataset(inputs, tokenizer, params.options, {
      signal: job.signal,
      onProgress: (p) => {
        if (p.fileIndex !== lastFile) {
          before = inputs.slice(0, p.fileIndex).reduce((s, i) => s + (i.size ?? 0), 0);
          lastFile = p.fileIndex;
        }
        const done = before + p.bytesRead;
        job.emit({ kind: 'progress', stage: 'read', done, total: totalBytes, unit: 'bytes', rate: meter.update(done),
          detail: `${p.file} · ${p.records.toLocaleString('en-US')} records` });
      },
    });
    const { train: _train, eval: _eval, ...report } = prepared;
    if (!prepared.ok || params.save === false) return { ...report, datasetId: null };
    const db = await job.state.db();
    const id = `ds-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const first = params.files[0];
    const record = await saveDataset(
      db,
      {
        id,
        name: params.name || first.name,
        source: { fileName: params.files.map((f) => f.name).join(', '), format: report.files[0]?.format ?? 'unknown', byteLength: totalBytes },
        tokenizer: params.tokenizerId,
        info: { stats: report.stats, files: report.files, skipped: report.skipped, problemCount: report.problemCount, options: params.options },
      },
      prepared,
      { signal: job.signal, onProgress: (done, total) => job.progress('store', done, total, 'bytes') },
    );
    job.log('info', `stored dataset ${record.name}: ${record.exampleCount} examples, ${record.tokenCount} tokens`);
    return { ...report, datasetId: record.id };
  },
};

export const listDatasetsHandler: HandlerSpec<'listDatasets'> = {
  gpu: false,
  async run(_params, job) {
    return listDatasets(await job.state.db());
  },
};

export const deleteDatasetHandler: HandlerSpec<'deleteDataset'> = {
  gpu: false,
  async run(params, job) {
    if (typeof params.id !== 'string' || !params.id) throw new InvalidRequestError('A dataset id is required.');
    await deleteDataset(await job.state.db(), params.id);
    return { id: params.id };
  },
};
