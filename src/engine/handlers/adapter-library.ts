/**
 * Adapter library requests: list, fetch (weights transferred), rename, delete (storage lives in src/storage);
 * duplicate, export as PEFT files and zip, import a PEFT folder or zip, and merge (concat or weighted SVD) into a
 * new saved adapter.
 */
import { exactBuffer } from '../../util/exact-buffer';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeft, importPeft } from '../../lora/peft';
import { unzipFiles, zipFolder } from '../../formats/zip';
import { adapterFacts, modelCard } from '../../export/model-card';
import { baseName, fileStem } from '../../export/use-with';
import { mergeConcat, mergeSvd } from '../../lora/merge';
import type { LoraAdapter } from '../../lora/lora-adapter';
import { memoryFiles } from '../../formats/memory-files';
import { InvalidRequestError } from '../../spec/errors';
import { readReturnedRun, type ReturnedRun } from '../../handoff/returned-run';
import { getDataset, getRun, putAdapter, putRun, updateRun } from '../../storage';
import { deleteAdapter, getAdapter, listAdapters, renameAdapter } from '../../storage/adapters';
import type { AdapterRecord, RunRecord } from '../../spec/records';
import { baseSpecs, openAdapter, readStoredAdapter } from '../adapters/open-adapter';
import type { HandlerSpec, JobContext } from '../job';
import { requireId } from './request-checks';
import { storeHandler } from './store-handler';

/** `listAdapters`: metadata of every saved adapter, newest first. */
export const listAdaptersHandler = storeHandler<'listAdapters'>((db) => listAdapters(db));

/** `getAdapter`: record plus `adapter_model.safetensors` bytes, transferred to the caller. */
export const getAdapterHandler: HandlerSpec<'getAdapter'> = {
  gpu: false,
  async run(params, job) {
    const id = requireId(params.id, 'adapter');
    const stored = await getAdapter(await job.state.db(), id);
    if (!stored) throw new InvalidRequestError(`No saved adapter with id '${id}'.`);
    // readPart returns a fresh, exactly-sized array: its buffer can be handed over without copying.
    const weights = stored.weights.buffer;
    if (!(weights instanceof ArrayBuffer)) throw new InvalidRequestError('Adapter weights are not transferable.');
    job.transfer(weights);
    return { record: stored.record, weights };
  },
};

/** `renameAdapter`: new display name (weights untouched). */
export const renameAdapterHandler: HandlerSpec<'renameAdapter'> = {
  gpu: false,
  async run(params, job) {
    return renameAdapter(await job.state.db(), requireId(params.id, 'adapter'), String(params.name ?? ''));
  },
};

/** `deleteAdapter`: removes the record and its weight chunks in one transaction. */
export const deleteAdapterHandler: HandlerSpec<'deleteAdapter'> = {
  gpu: false,
  async run(params, job) {
    const id = requireId(params.id, 'adapter');
    await deleteAdapter(await job.state.db(), id);
    // Free its tensors if generation had it open.
    job.state.session.dropAdapter(id);
    return { id };
  },
};

function newId(): string {
  return `ad-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Saves `adapter` as a new library entry built from its PEFT export. */
async function saveNew(
  job: JobContext,
  adapter: LoraAdapter,
  meta: Pick<AdapterRecord, 'name' | 'baseModel' | 'dataset' | 'runId'>,
): Promise<AdapterRecord> {
  const files = await exportPeft(adapter, { baseModel: meta.baseModel });
  const config = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE])) as Record<string, unknown>;
  return putAdapter(
    await job.state.db(),
    {
      id: newId(),
      name: meta.name,
      baseModel: meta.baseModel,
      rank: adapter.config.rank,
      alpha: adapter.config.alpha,
      targets: (config.target_modules as string[]) ?? [],
      dataset: meta.dataset,
      finalLoss: null,
      runId: meta.runId,
      config,
    },
    files[ADAPTER_WEIGHTS_FILE],
  );
}

export const duplicateAdapterHandler: HandlerSpec<'duplicateAdapter'> = {
  gpu: false,
  async run(params, job) {
    const db = await job.state.db();
    const { record, weights } = await readStoredAdapter(db, String(params.id));
    const { id: _id, parts: _p, sizeBytes: _s, createdAt: _c, updatedAt: _u, ...rest } = record;
    return putAdapter(db, { ...rest, id: newId(), name: params.name?.trim() || `${record.name} (copy)` }, weights);
  },
};

export const exportAdapterHandler: HandlerSpec<'exportAdapter'> = {
  gpu: false,
  async run(params, job) {
    const { record, weights } = await readStoredAdapter(await job.state.db(), String(params.id));
    // The stem the "Use it with…" commands name, so the unzipped folder is the one they point at.
    const folder = fileStem(record.name);
    // The base the library checked it against, named so PEFT can load it (an imported config's own path, or an
    // id stored before, may name a folder on another machine or the studio's internal 'local:' id).
    const base = baseName(record.baseModel);
    const config = { ...record.config, base_model_name_or_path: base.id, revision: base.revision };
    const configBytes = new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n');
    const card = modelCard({
      ...adapterFacts(record),
      contents: 'the PEFT adapter folder (adapter_config.json + adapter_model.safetensors)',
    });
    const zip = zipFolder(
      { [ADAPTER_CONFIG_FILE]: configBytes, [ADAPTER_WEIGHTS_FILE]: weights, 'README.md': card },
      folder,
    );
    const out = {
      folder,
      config: exactBuffer(configBytes),
      weights: exactBuffer(weights.slice()),
      zip: exactBuffer(zip),
    };
    job.transfer(out.config, out.weights, out.zip);
    return out;
  },
};

type Db = Awaited<ReturnType<JobContext['state']['db']>>;

/**
 * Ties an adapter that came back from a cluster hand-off to the studio run its job was exported from (by the run
 * marker), and files the cluster's loss curve (trainer_state.json) as a run of its own, so "Loss history" shows it.
 */
async function linkReturnedRun(
  db: Db,
  returned: ReturnedRun,
  baseModel: string,
): Promise<{ runId: string | null; curveRunId: string | null; dataset: AdapterRecord['dataset'] }> {
  const studioRun = returned.marker ? await getRun(db, returned.marker.runId) : null;
  const datasetRecord = studioRun?.datasetId ? await getDataset(db, studioRun.datasetId) : null;
  const dataset = datasetRecord ? { id: datasetRecord.id, name: datasetRecord.name } : null;
  if (!returned.curve) return { runId: returned.marker?.runId ?? null, curveRunId: null, dataset };
  const now = Date.now();
  const from = returned.marker?.runId ?? null;
  const run: RunRecord = {
    id: `${from ?? 'import'}-cluster-${now.toString(36)}`,
    name: `${studioRun?.name ?? from ?? 'imported run'} (cluster)`,
    createdAt: now,
    updatedAt: now,
    status: 'completed',
    config: studioRun?.config ?? {},
    baseModel,
    datasetId: studioRun?.datasetId ?? null,
    adapterId: null,
    metrics: returned.curve,
    error: null,
    handoffOf: from,
  };
  await putRun(db, run);
  return { runId: run.id, curveRunId: run.id, dataset };
}

export const importAdapterHandler: HandlerSpec<'importAdapter'> = {
  gpu: true,
  async run(params, job) {
    const loaded = job.state.session.requireModel();
    if (!params.files?.length) throw new InvalidRequestError('Drop the adapter folder, its two files, or a .zip.');
    const zip = params.files.find((f) => f.name.toLowerCase().endsWith('.zip'));
    const label = params.name?.trim() || (zip ? zip.name.replace(/\.zip$/i, '') : 'imported adapter');
    const files = zip
      ? unzipFiles(new Uint8Array(await zip.blob.arrayBuffer()), zip.name)
      : memoryFiles(
          Object.fromEntries(
            await Promise.all(
              params.files.map(async (f) => [f.name.split('/').pop()!, new Uint8Array(await f.blob.arrayBuffer())]),
            ),
          ),
          label,
        );
    const imported = await importPeft(files, baseSpecs(loaded));
    try {
      const returned = await readReturnedRun(files);
      for (const note of returned.notes) job.log('warn', note);
      const db = await job.state.db();
      const origin = await linkReturnedRun(db, returned, loaded.info.id);
      // Shapes were checked against the loaded base, so that is the base it belongs to here (the file's
      // base_model_name_or_path may be a path on another machine).
      const record = await saveNew(job, imported.adapter, {
        name: label,
        baseModel: loaded.info.id,
        dataset: origin.dataset,
        runId: origin.runId,
      });
      if (origin.curveRunId) await updateRun(db, origin.curveRunId, { adapterId: record.id });
      return record;
    } finally {
      imported.adapter.dispose();
    }
  },
};

export const mergeAdaptersHandler: HandlerSpec<'mergeAdapters'> = {
  gpu: true,
  async run(params, job) {
    const session = job.state.session;
    const loaded = session.requireModel();
    if (!Array.isArray(params.inputs) || params.inputs.length < 2)
      throw new InvalidRequestError('Pick at least two adapters to merge.');
    const inputs = [];
    for (const i of params.inputs)
      inputs.push({ adapter: await openAdapter(session, () => job.state.db(), i.id), weight: i.weight });
    job.throwIfAborted();
    let merged: LoraAdapter;
    if (params.method === 'svd') {
      const rank = params.rank ?? Math.max(...inputs.map((i) => i.adapter.config.rank));
      if (!Number.isInteger(rank) || rank < 1)
        throw new InvalidRequestError('The merged rank must be a whole number ≥ 1.');
      merged = await mergeSvd(inputs, rank, baseSpecs(loaded));
    } else {
      merged = await mergeConcat(inputs, baseSpecs(loaded));
    }
    try {
      return await saveNew(job, merged, {
        name: params.name?.trim() || 'merged adapter',
        baseModel: loaded.info.id,
        dataset: null,
        runId: null,
      });
    } finally {
      merged.dispose();
    }
  },
};
