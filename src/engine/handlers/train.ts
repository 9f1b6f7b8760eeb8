/**
 * `train`: trains a LoRA adapter on the session's base with a dataset stored by the data worker, or resumes an
 * unfinished run from its last IndexedDB checkpoint (after a reload, a crash, a lost GPU). Streams trainStart,
 * trainStep, trainSample, checkpointSaved and trainStatus events; `trainControl` pauses, resumes or stops it.
 * When the run finishes (or the user stops it) the adapter is saved to the library with its run's history.
 */
import { GpuError, InvalidRequestError } from '../../spec/errors';
import type { TrainParams, TrainRunResult } from '../../protocol/train-types';
import type { TrainRunSpec } from '../../spec/run-spec';
import { IdbCheckpointStore, putRun, updateRun, type StudioDb } from '../../storage';
import type { RunRecord } from '../../spec/records';
import { createLoraRun, type LoraRun } from '../../train/lora-run';
import type { TrainResult } from '../../train/trainer';
import type { HandlerSpec, JobContext } from '../job';
import { deviceBudget } from '../model/device-budget';
import { fitAdvice, formatGiB, loraParameters, trainingBytes } from '../model/fit';
import type { LoadedModel } from '../session';
import { activeRun, registerRun } from '../train/active-runs';
import { historyPoints, RunDriver } from '../train/run-driver';
import { createRunRecord, finalLosses, runToResume, saveTrainedAdapter, specOf } from '../train/run-records';
import { checkSpec, trainingData, WatchedStore, type TrainingData } from '../train/train-inputs';

export const trainHandler: HandlerSpec<'train'> = {
  gpu: true,
  async run(params, job) {
    const session = job.state.session;
    const loaded = session.requireModel();
    if (session.busyTraining || activeRun(job.state))
      throw new InvalidRequestError('A training run is already going. Stop it before starting another.');
    const db = await job.state.db();
    const { run, spec } = await openRun(db, params, loaded.info.id);
    const data = await trainingData(
      db,
      spec.datasetId,
      loaded.info.id,
      loaded.model.config.vocab,
      loaded.tokenizer.hasChatTemplate,
    );
    const record = run ?? (await createRunRecord(db, spec, loaded.info.id));
    session.busyTraining = true;
    // The decode-only head copies are not in the training estimate: none while the run lasts, even for the
    // generations asked for between its steps (they read the f32 head).
    loaded.model.releaseDecodeCopies();
    loaded.model.decodeCopies = false;
    let lora: LoraRun | null = null;
    let unregister = () => undefined as unknown;
    let gpuFault: GpuError | null = null;
    // Generations asked for during the run run here, between two steps (see step-boundary.ts).
    const boundary = job.stepBoundary();
    try {
      const store = new WatchedStore(new IdbCheckpointStore(db));
      // Each step runs in its own GPU error scope: a fault ends the run at that step (checkpoint intact, nothing
      // saved from stale data) and the job then fails with the GpuError itself.
      const stepScope = async <T>(step: () => Promise<T>): Promise<T> => {
        await boundary.cross();
        const at = (lora?.trainer.currentStep ?? 0) + 1;
        try {
          return await job.gpuScope(step);
        } catch (e) {
          if (e instanceof GpuError) gpuFault = e.fault === 'out-of-memory' ? outOfMemoryAt(at, e, loaded, spec) : e;
          throw gpuFault ?? e;
        }
      };
      lora = await createLoraRun({
        model: loaded.model,
        lora: spec.lora,
        train: spec.train,
        data,
        runId: record.id,
        store,
        resume: run !== null,
        stepScope,
      });
      const history = store.loaded?.metrics ?? [];
      store.loaded = null;
      // Steps after the checkpoint were lost with the tab; the record's history restarts from the checkpoint's.
      await putRun(db, {
        ...record,
        status: 'running',
        error: null,
        metrics: historyPoints(history),
        updatedAt: Date.now(),
      });
      job.emit({
        kind: 'trainStart',
        runId: record.id,
        name: spec.name,
        totalSteps: lora.trainer.totalSteps,
        resumedAt: lora.resumedAt,
        history,
        trainableParameters: lora.trainableParameters,
        trainableShare: lora.trainableShare,
        trainExamples: data.train.length,
        evalExamples: data.eval.length,
        promptFormat: data.promptFormat,
      });
      if (run) job.log('info', `resuming '${spec.name}' at step ${lora.resumedAt} of ${lora.trainer.totalSteps}`);
      const driver = new RunDriver({
        job,
        db,
        runId: record.id,
        spec,
        trainer: lora.trainer,
        adapter: lora.adapter,
        loaded,
        promptFormat: data.promptFormat,
        boundary,
      });
      unregister = registerRun(job.state, driver);
      const result = await driver.run();
      const ended = await endRun({ job, db, driver, lora, loaded, spec, data, runId: record.id, result });
      if (gpuFault) throw gpuFault;
      return ended;
    } catch (e) {
      // endRun already recorded a GPU fault with the step it stopped at and where the run resumes from.
      if (e !== gpuFault)
        await updateRun(db, record.id, { status: 'failed', error: e instanceof Error ? e.message : String(e) }).catch(
          () => undefined,
        );
      throw e;
    } finally {
      // Generations still waiting may use the run's adapter: they run before it is freed.
      await boundary.close();
      unregister();
      lora?.dispose();
      loaded.model.decodeCopies = true;
      session.busyTraining = false;
    }
  },
};

/**
 * "out of GPU memory at step 12: needed ≈ 2.1 GiB, device budget 1.5 GiB; try seq 256 or nf4": the fault the error
 * scope caught (tfjs-webgpu itself never checks), with the studio's estimate for this run and what would fit.
 */
function outOfMemoryAt(step: number, e: GpuError, loaded: LoadedModel, spec: TrainRunSpec): GpuError {
  const { config } = loaded.model;
  const { quant, embeddings } = loaded.info;
  const shape = {
    seqLen: spec.train.maxSeqLen,
    batch: spec.train.batchSize,
    trainableParameters: loraParameters(config, spec.lora.rank),
  };
  const { budgetBytes: budget, backend } = deviceBudget();
  const target = { backend, embeddings };
  const needed = trainingBytes(config, quant, target, shape);
  // The step evidently needs more than the device gave it, whatever the estimate said: advise settings that need
  // at most the budget and at most three quarters of this run's estimate.
  const advice = fitAdvice(config, target, Math.min(budget ?? Infinity, 0.75 * needed), { quant, ...shape });
  const against = budget === null ? 'the device does not report its budget' : `device budget ${formatGiB(budget)}`;
  return new GpuError(
    'out-of-memory',
    `out of GPU memory at step ${step}: needed ≈ ${formatGiB(needed)}, ${against}; ${advice}`,
    e.detail,
  );
}

async function openRun(
  db: StudioDb,
  params: TrainParams,
  baseModel: string,
): Promise<{ run: RunRecord | null; spec: TrainRunSpec }> {
  if (typeof params.resumeRunId === 'string') {
    const run = await runToResume(db, params.resumeRunId, baseModel);
    return { run, spec: checkSpec(specOf(run)) };
  }
  return { run: null, spec: checkSpec(params.spec) };
}

interface EndRunInput {
  job: JobContext;
  db: StudioDb;
  driver: RunDriver;
  lora: LoraRun;
  loaded: LoadedModel;
  spec: TrainRunSpec;
  data: TrainingData;
  runId: string;
  result: TrainResult;
}

/** Saves the adapter of a finished or stopped run and records how the run ended. */
async function endRun(input: EndRunInput): Promise<TrainRunResult> {
  const { job, db, driver, result } = input;
  const finalLoss = finalLosses(result.metrics);
  const base = {
    runId: input.runId,
    status: result.status,
    step: result.step,
    totalSteps: result.totalSteps,
    finalLoss,
  };
  // A cancelled request (the page went away) stops at a checkpoint: the run stays resumable, nothing is saved.
  if (job.signal.aborted) {
    await driver.flush({ status: 'paused' });
    return { ...base, adapterId: null, message: 'The run was interrupted; resume it from its last checkpoint.' };
  }
  if (result.status === 'finished' || result.status === 'stopped') {
    const saved = await saveTrainedAdapter(db, input.lora.adapter, {
      name: input.spec.name,
      baseModel: input.loaded.info.id,
      dataset: { id: input.spec.datasetId, name: input.data.name },
      finalLoss,
      runId: input.runId,
      promptFormat: input.data.promptFormat,
    });
    await driver.flush({ status: 'completed', adapterId: saved.id, error: null });
    job.log('info', `saved adapter '${saved.name}' (${result.step} steps)`);
    const message =
      result.status === 'stopped'
        ? `Stopped at step ${result.step} of ${result.totalSteps}; the adapter was saved as it was.`
        : null;
    return { ...base, adapterId: saved.id, message };
  }
  const message = result.message ?? `Training ${result.status} at step ${result.step}.`;
  await driver.flush({ status: 'failed', error: message });
  return { ...base, adapterId: null, message };
}
