/**
 * Train section actions: estimate before starting, start / resume a run and stream its events into the store,
 * pause / resume / stop, list unfinished runs after a reload, and re-open a stored run's loss history (the
 * Adapters section calls {@link openRunHistory}). All training happens in the engine worker.
 */
import { CancelledError } from '../../src/spec/errors';
import type { TrainAction, TrainParams } from '../../src/protocol/train-types';
import type { TrainRunSpec } from '../../src/spec/run-spec';
import type { RunRecord } from '../../src/spec/records';
import { getEngine } from '../engine';
import { refreshAdapters } from './adapters-actions';
import { putAdapterInGenerate } from './generate-actions';
import { useStudio } from './index';
import { errorText } from './job-progress';
import { saveTrainForm } from './train-form-storage';
import { isLive, startingRun } from './train-slice';
import { DEFAULT_TRAIN_FORM } from '../../src/spec/presets';

const ESTIMATE_DELAY_MS = 250;
let estimateTimer: ReturnType<typeof setTimeout> | null = null;
let estimateController: AbortController | null = null;

const train = () => useStudio.getState().train;
const patch = (p: Parameters<ReturnType<typeof useStudio.getState>['patchTrain']>[0]) =>
  useStudio.getState().patchTrain(p);

/** Re-estimates memory and steps for the current form, a moment after the last change. */
export function scheduleEstimate(): void {
  if (estimateTimer) clearTimeout(estimateTimer);
  estimateTimer = setTimeout(() => void refreshEstimate(), ESTIMATE_DELAY_MS);
}

/** Asks the engine for the memory, trainable parameters and steps of the current settings. */
export async function refreshEstimate(): Promise<void> {
  const { model, data } = useStudio.getState();
  if (!model.info) return patch({ estimate: null, estimateError: null });
  estimateController?.abort();
  const controller = new AbortController();
  estimateController = controller;
  const { form } = train();
  patch({ estimating: true });
  try {
    const estimate = await getEngine().request(
      'estimateTraining',
      { lora: form.lora, train: form.train, datasetId: data.selectedDatasetId },
      { signal: controller.signal },
    );
    patch({ estimate, estimating: false, estimateError: null });
  } catch (e) {
    if (e instanceof CancelledError) return;
    patch({ estimating: false, estimateError: errorText(e) });
  }
}

/** Starts a new run with the form's settings on the dataset chosen in the Data section. */
export async function startTraining(): Promise<void> {
  const { data, model } = useStudio.getState();
  const { form } = train();
  if (!model.info) return patch({ error: 'Load a base model first (Model section).' });
  if (!data.selectedDatasetId) return patch({ error: 'Prepare or choose a dataset in the Data section first.' });
  const dataset = data.datasets.find((d) => d.id === data.selectedDatasetId);
  const name = form.name.trim() || `${dataset?.name ?? 'dataset'} · r${form.lora.rank}`;
  await runRequest(
    { spec: { name, datasetId: data.selectedDatasetId, lora: form.lora, train: form.train, samples: form.samples } },
    name,
    true,
  );
}

/** Continues an unfinished run from its last checkpoint (its chart continues where it was). */
export async function resumeRun(runId: string): Promise<void> {
  const record = train().unfinished.find((r) => r.id === runId);
  // The form shows the settings the run trains with (it is locked while the run goes on).
  const spec: TrainRunSpec | undefined = record?.config?.spec;
  if (spec?.lora && spec.train && spec.samples) {
    useStudio.getState().setTrainForm(() => ({
      preset: 'custom',
      name: spec.name,
      lora: spec.lora,
      train: spec.train,
      samples: spec.samples,
    }));
    useStudio.getState().patchData({ selectedDatasetId: spec.datasetId });
  }
  await runRequest({ resumeRunId: runId }, record?.name ?? 'run', false);
}

async function runRequest(params: TrainParams, name: string, fresh: boolean): Promise<void> {
  if (isLive(train().run)) return;
  const { series } = train();
  if (fresh) series.reset();
  patch({
    run: startingRun(name),
    error: null,
    viewing: null,
    samples: fresh ? [] : train().samples,
    seriesVersion: train().seriesVersion + 1,
  });
  try {
    const events = getEngine().stream('train', params);
    for await (const event of events) useStudio.getState().applyTrainEvent(event);
    const result = await events.result;
    const run = train().run;
    if (run)
      patch({
        run: {
          ...run,
          status: result.status,
          step: result.step,
          totalSteps: result.totalSteps,
          adapterId: result.adapterId,
          message: result.message,
        },
      });
    // The new adapter is ready to try in Generate, prompted the way its data was rendered.
    if (result.adapterId) {
      await refreshAdapters();
      putAdapterInGenerate(result.adapterId);
    }
  } catch (e) {
    const run = train().run;
    // Shown once: in the run's outcome when there is a run view, else as the section's error.
    patch({ run: run ? { ...run, status: 'failed', message: errorText(e) } : null, error: run ? null : errorText(e) });
  } finally {
    void refreshUnfinished();
  }
}

/** Pause, resume or stop the running run (it reacts at the next step boundary). */
export async function controlRun(action: TrainAction): Promise<void> {
  const run = train().run;
  if (!run?.runId) return;
  try {
    await getEngine().request('trainControl', { runId: run.runId, action });
  } catch (e) {
    patch({ error: errorText(e) });
  }
}

/** Reads the runs that ended without finishing (offered as "Resume run"). */
export async function refreshUnfinished(): Promise<void> {
  try {
    const runs = await getEngine().request('listRuns', {});
    const live = train().run;
    const unfinished = runs.filter(
      (r) => r.adapterId === null && r.status !== 'completed' && !(isLive(live) && live?.runId === r.id),
    );
    patch({ unfinished });
    // After a reload the interrupted run's curve shows at once, not only once it is resumed.
    const newest = [...unfinished].sort((a, b) => b.updatedAt - a.updatedAt)[0];
    const t = train();
    if (newest && newest.metrics.length > 0 && t.run === null && t.viewing === null && t.series.length === 0)
      showStoredRun(newest, true);
  } catch (e) {
    patch({ error: errorText(e) });
  }
}

/** Deletes an unfinished run and its checkpoints. */
export async function discardRun(runId: string): Promise<void> {
  if (train().viewing?.runId === runId) {
    train().series.reset();
    patch({ viewing: null, seriesVersion: train().seriesVersion + 1 });
  }
  try {
    await getEngine().request('deleteRun', { id: runId });
  } catch (e) {
    patch({ error: errorText(e) });
  }
  await refreshUnfinished();
}

/** Shows a stored run's loss history in the Train section's charts (from the Adapters library). */
export async function openRunHistory(runId: string): Promise<void> {
  if (isLive(train().run)) return patch({ error: 'A run is in progress; its chart stays on screen until it ends.' });
  try {
    showStoredRun(await getEngine().request('getRun', { id: runId }), false);
    useStudio.getState().setSection('train');
  } catch (e) {
    patch({ error: errorText(e) });
  }
}

/** The sample prompts last filled in from a dataset (replaced again when the dataset changes, unless edited). */
let offeredPrompts: string[] | null = null;

/**
 * Sample prompts default to the chosen dataset's own (from its eval split), not a fixed "The sea" whatever the
 * data: filled in while the prompts are the preset's or ones filled in here before; prompts the user wrote stay.
 */
function offerDatasetPrompts(): void {
  const { data, train: t, setTrainForm } = useStudio.getState();
  const prompts = data.datasets.find((d) => d.id === data.selectedDatasetId)?.samplePrompts;
  if (!prompts?.length || isLive(t.run)) return;
  const current = t.form.samples.prompts;
  const same = (a: readonly string[] | null) =>
    a !== null && a.length === current.length && a.every((p, i) => p === current[i]);
  const auto =
    same(DEFAULT_TRAIN_FORM.samples.prompts) ||
    same(offeredPrompts) ||
    data.datasets.some((d) => same(d.samplePrompts ?? null));
  if (!auto) return;
  offeredPrompts = prompts;
  if (!same(prompts)) setTrainForm((form) => ({ ...form, samples: { ...form.samples, prompts } }));
}

/** Draws a stored run's curve, with the settings it trained with beside it (not the form's). */
function showStoredRun(record: RunRecord, interrupted: boolean): void {
  train().series.reset(record.metrics);
  const spec = (record.config as { spec?: TrainRunSpec }).spec;
  const viewing = { runId: record.id, name: record.name, spec: spec?.lora && spec.train ? spec : null, interrupted };
  patch({ viewing, seriesVersion: train().seriesVersion + 1, run: null, samples: [] });
}

/**
 * Keeps the section current: when a model is loaded, looks for unfinished runs; when the model, the chosen
 * dataset or the form changes, re-estimates.
 */
export function watchTrainBoot(): () => void {
  let last = {
    info: useStudio.getState().model.info,
    dataset: useStudio.getState().data.selectedDatasetId,
    form: train().form,
  };
  let lastDatasets = useStudio.getState().data.datasets;
  offerDatasetPrompts();
  if (last.info) {
    void refreshUnfinished();
    scheduleEstimate();
  }
  return useStudio.subscribe((s) => {
    if (s.data.selectedDatasetId !== last.dataset || s.data.datasets !== lastDatasets) offerDatasetPrompts();
    lastDatasets = s.data.datasets;
    const now = { info: s.model.info, dataset: s.data.selectedDatasetId, form: s.train.form };
    if (now.info !== last.info && now.info) void refreshUnfinished();
    if (now.info !== last.info || now.dataset !== last.dataset || now.form !== last.form) scheduleEstimate();
    if (now.form !== last.form) saveTrainForm(now.form);
    last = now;
  });
}
