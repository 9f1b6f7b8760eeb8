/**
 * How a training run is kept in IndexedDB: the run record (its spec, status and metric history, which the Train
 * section re-draws after a reload and the Adapters section re-opens) and, when it ends well, the adapter it saves
 * to the library in PEFT form.
 */
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, exportPeft } from '../../lora/peft';
import type { PromptFormat } from '../../data/prompt-format';
import type { LoraAdapter } from '../../lora/lora-adapter';
import { InvalidRequestError } from '../../spec/errors';
import type { TrainRunSpec } from '../../spec/run-spec';
import { getRun, putAdapter, putRun, type StudioDb } from '../../storage';
import type { AdapterRecord, MetricPoint, RunRecord } from '../../spec/records';
import type { StepMetrics } from '../../train/metrics';

/** A fresh id for a run or an adapter: time-ordered, unique across tabs. */
export function newId(prefix: string): string {
  const rand = Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `${prefix}-${Date.now().toString(36)}-${rand}`;
}

/** One step's metrics as the run record keeps them. */
export function metricPoint(m: StepMetrics): MetricPoint {
  const p: MetricPoint = {
    step: m.step,
    loss: m.loss,
    lr: m.lr,
    gradNorm: m.gradNorm,
    tokensPerSec: m.tokensPerSec,
    time: m.elapsedMs,
  };
  if (m.evalLoss !== undefined) p.evalLoss = m.evalLoss;
  return p;
}

/** Creates the record of a new run (status 'running'). */
export async function createRunRecord(db: StudioDb, spec: TrainRunSpec, baseModel: string): Promise<RunRecord> {
  const now = Date.now();
  const run: RunRecord = {
    id: newId('run'),
    name: spec.name,
    createdAt: now,
    updatedAt: now,
    status: 'running',
    config: { spec },
    baseModel,
    datasetId: spec.datasetId,
    adapterId: null,
    metrics: [],
    error: null,
  };
  await putRun(db, run);
  return run;
}

/** The spec a run was started with (stored by {@link createRunRecord}). */
export function specOf(run: RunRecord): TrainRunSpec {
  // Typed, but a record written by an older draft may lack it: check before resuming.
  const spec: TrainRunSpec | undefined = run.config?.spec;
  if (!spec || typeof spec !== 'object' || !spec.lora || !spec.train) {
    throw new InvalidRequestError(`Run '${run.name}' was not started from the studio and cannot be resumed here.`);
  }
  return spec;
}

/** Reads a run to resume and checks it can be resumed on the loaded base. */
export async function runToResume(db: StudioDb, runId: string, baseModel: string): Promise<RunRecord> {
  const run = await getRun(db, runId);
  if (!run) throw new InvalidRequestError(`No training run with id '${runId}'. It may have been deleted.`);
  if (run.adapterId)
    throw new InvalidRequestError(`Run '${run.name}' already finished; its adapter is in the library.`);
  if (run.baseModel !== baseModel) {
    throw new InvalidRequestError(
      `Run '${run.name}' trains on '${run.baseModel}', but '${baseModel}' is loaded. Load that model first, then resume.`,
    );
  }
  return run;
}

/** Metadata the library shows for a trained adapter. */
export interface SavedAdapterInfo {
  name: string;
  baseModel: string;
  dataset: { id: string | null; name: string } | null;
  finalLoss: { train: number | null; eval: number | null };
  runId: string;
  promptFormat: PromptFormat;
}

/** Exports `adapter` as PEFT files and stores it in the adapter library; returns the record. */
export async function saveTrainedAdapter(
  db: StudioDb,
  adapter: LoraAdapter,
  info: SavedAdapterInfo,
): Promise<AdapterRecord> {
  const files = await exportPeft(adapter, { baseModel: info.baseModel });
  const config = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE])) as Record<string, unknown>;
  const targets = [...new Set([...adapter.modules.keys()].map((p) => p.slice(p.lastIndexOf('.') + 1)))];
  return putAdapter(
    db,
    {
      id: newId('adapter'),
      name: info.name,
      baseModel: info.baseModel,
      rank: adapter.config.rank,
      alpha: adapter.config.alpha,
      targets,
      dataset: info.dataset,
      finalLoss: info.finalLoss,
      runId: info.runId,
      promptFormat: info.promptFormat,
      config,
    },
    files[ADAPTER_WEIGHTS_FILE],
  );
}

/** Last train loss and last eval loss of a history (null where there is none). */
export function finalLosses(metrics: readonly StepMetrics[]): { train: number | null; eval: number | null } {
  const last = metrics[metrics.length - 1];
  const lastEval = [...metrics].reverse().find((m) => m.evalLoss !== undefined);
  return { train: last ? last.loss : null, eval: lastEval?.evalLoss ?? null };
}
