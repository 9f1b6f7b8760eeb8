/**
 * Data section actions. All parsing, validation and tokenizing runs in the data worker; this file only moves
 * blobs and results between it and the store (the sample files are fetched as Blobs, never parsed here).
 */
import { CancelledError } from '../../src/spec/errors';
import { templateError } from '../../src/data/template';
import type { ColumnMapping } from '../../src/data/types';
import type { NamedBlob } from '../../src/protocol/model-types';
import { prepareOnPool } from '../../src/engine/data/pooled-prepare';
import { dataPoolSizeFor, getDataEngine, getDataPool, releaseDataPool } from '../data-engine';
import { useStudio } from './index';
import { errorText } from './job-progress';
import type { SampleDataset } from './data-slice';

/** Records rendered in the token preview. */
const PREVIEW_COUNT = 3;

let prepareController: AbortController | null = null;
const patch = (p: Parameters<ReturnType<typeof useStudio.getState>['patchData']>[0]) =>
  useStudio.getState().patchData(p);

/** Reads public/datasets/index.json (the sample datasets and their descriptions). */
export async function loadSampleIndex(): Promise<void> {
  try {
    const res = await fetch(new URL('datasets/index.json', document.baseURI));
    if (!res.ok) return;
    const json = (await res.json()) as { datasets?: SampleDataset[] };
    patch({ samples: json.datasets ?? [] });
  } catch {
    patch({ samples: [] });
  }
}

/** Fetches a sample dataset as a Blob and uses it as the dropped file. */
export async function pickSampleDataset(sample: SampleDataset): Promise<void> {
  patch({ sampling: true, sampleError: null });
  try {
    const res = await fetch(new URL(`datasets/${sample.file}`, document.baseURI));
    if (!res.ok) throw new Error(`Could not read the sample ${sample.file} (${res.status}).`);
    await setDataFiles([{ name: sample.file, blob: await res.blob() }], sample.name);
  } catch (e) {
    patch({ sampling: false, sampleError: errorText(e) });
  }
}

/** New files: forget the previous result, sample them in the data worker, then preview a few records. */
export async function setDataFiles(files: NamedBlob[], name?: string): Promise<void> {
  patch({
    files,
    name: name ?? files[0]?.name.replace(/\.[^.]+$/, '') ?? '',
    sample: null,
    mapping: null,
    result: null,
    check: null,
    prepareError: null,
    previews: [],
  });
  await resample();
}

let checkController: AbortController | null = null;

/** Validates every record of the files in the data worker (no tokenizer), so bad lines show before "Prepare". */
async function checkFiles(): Promise<void> {
  checkController?.abort();
  const controller = new AbortController();
  checkController = controller;
  const { files, mapping } = useStudio.getState().data;
  try {
    const check = await getDataEngine().request(
      'validateData',
      { files, options: { ...(mapping ? { mapping } : {}), maxProblems: 200 } },
      { signal: controller.signal },
    );
    if (checkController === controller) patch({ check });
  } catch (e) {
    // A newer check or a Prepare replaced it; any other failure shows again when preparing.
    if (!(e instanceof CancelledError) && checkController === controller) patch({ check: null });
  }
}

/** Samples the current files with the current mapping override. */
export async function resample(): Promise<void> {
  const { files, mapping } = useStudio.getState().data;
  if (files.length === 0) return;
  patch({ sampling: true, sampleError: null });
  try {
    const sample = await getDataEngine().request('sampleData', { files, ...(mapping ? { mapping } : {}) });
    patch({ sample, sampling: false, check: null });
    await Promise.all([refreshPreviews(), checkFiles()]);
  } catch (e) {
    patch({ sampling: false, sampleError: errorText(e) });
  }
}

/** Overrides (or, with null, resets) the detected mapping. */
export async function setMapping(mapping: ColumnMapping | null): Promise<void> {
  patch({ mapping });
  await resample();
}

/** Sets the prompt template for prompt/completion data and re-renders the preview with it. */
export async function setPromptTemplate(template: string): Promise<void> {
  useStudio.getState().setDataOptions({ template });
  // A template that cannot work is shown as an error by the form; the preview keeps the last good rendering.
  if (templateError(template) === null) await refreshPreviews();
}

/** Renders the first sampled records with the loaded model's tokenizer. */
export async function refreshPreviews(): Promise<void> {
  const { data, model } = useStudio.getState();
  const source = model.loadedSource;
  const records = (data.sample ?? []).flatMap((s) => s.records).slice(0, PREVIEW_COUNT);
  if (!source || records.length === 0) return patch({ previews: [] });
  const mapping = data.mapping ?? data.sample?.[0]?.mapping ?? undefined;
  const options = {
    mapping,
    completionOnly: data.options.completionOnly,
    ...(data.options.template ? { template: data.options.template } : {}),
  };
  try {
    const previews = await Promise.all(
      records.map((r) =>
        getDataEngine().request('previewData', {
          tokenizer: source,
          record: r.value as Record<string, unknown>,
          options,
        }),
      ),
    );
    patch({ previews });
  } catch (e) {
    patch({ previews: [{ ok: false, message: errorText(e) }] });
  }
}

/** Validates, tokenizes and stores the dataset; on success it becomes the one the Train section uses. */
export async function prepareData(): Promise<void> {
  const { data, model } = useStudio.getState();
  if (!model.loadedSource || !model.info)
    return patch({ prepareError: 'Load a base model first: the data is tokenized with its tokenizer.' });
  if (data.files.length === 0) return patch({ prepareError: 'Drop a data file or pick a sample dataset first.' });
  prepareController?.abort();
  checkController?.abort();
  const controller = new AbortController();
  prepareController = controller;
  const { options } = data;
  patch({
    preparing: { stage: 'read', done: 0, total: null, unit: 'bytes', rate: null, detail: null },
    prepareError: null,
    result: null,
    preparedWith: null,
  });
  // Big files tokenize on a pool of data workers; the stored result is the same as on one (src/data/shard-pool.ts).
  const workers = dataPoolSizeFor(data.files.reduce((s, f) => s + f.blob.size, 0));
  const started = performance.now();
  try {
    const result = await prepareOnPool(
      workers > 1 ? getDataPool(workers) : [getDataEngine()],
      {
        name: data.name || data.files[0].name,
        files: data.files,
        tokenizer: model.loadedSource,
        tokenizerId: model.info.id,
        options: {
          policy: options.policy,
          maxSeqLen: options.maxSeqLen,
          evalSplit: options.evalSplit,
          completionOnly: options.completionOnly,
          ...(data.mapping ? { mapping: data.mapping } : {}),
          ...(options.template ? { template: options.template } : {}),
        },
      },
      {
        signal: controller.signal,
        onProgress: (p) => patch({ preparing: { ...p, rate: p.rate ?? null, detail: p.detail ?? null } }),
      },
    );
    const preparedWith = { workers, ms: performance.now() - started };
    patch({
      result,
      preparedWith,
      preparing: null,
      ...(result.datasetId ? { selectedDatasetId: result.datasetId } : {}),
    });
    await refreshDatasets();
  } catch (e) {
    patch({ preparing: null, prepareError: e instanceof CancelledError ? 'Preparation was cancelled.' : errorText(e) });
  } finally {
    if (workers > 1) releaseDataPool();
    if (prepareController === controller) prepareController = null;
  }
}

/** Cancels a running preparation. */
export function cancelPrepare(): void {
  prepareController?.abort();
}

/** Re-runs the preparation with bad records skipped (the user's answer to a list of problems). */
export async function prepareSkippingBad(): Promise<void> {
  useStudio.getState().setDataOptions({ policy: 'skip' });
  await prepareData();
}

/** Reloads the stored datasets; selects the newest when none is selected. */
export async function refreshDatasets(): Promise<void> {
  try {
    const datasets = await getDataEngine().request('listDatasets', {});
    const { selectedDatasetId } = useStudio.getState().data;
    const keep = datasets.some((d) => d.id === selectedDatasetId);
    patch({ datasets, selectedDatasetId: keep ? selectedDatasetId : (datasets[0]?.id ?? null) });
  } catch (e) {
    patch({ prepareError: errorText(e) });
  }
}

/** Deletes a stored dataset. */
export async function removeDataset(id: string): Promise<void> {
  await getDataEngine().request('deleteDataset', { id });
  await refreshDatasets();
}
