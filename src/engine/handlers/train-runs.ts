/**
 * Requests around training runs that answer at once, beside a run holding the GPU queue: `trainControl` (pause,
 * resume, stop), `estimateTraining` (memory and steps before starting), and the run library (`listRuns`,
 * `getRun`, `deleteRun`).
 */
import { validateLoraConfig } from '../../spec/lora-config';
import { InvalidRequestError } from '../../spec/errors';
import type { TrainingEstimate } from '../../protocol/train-types';
import { deleteRun, getRun, listRuns } from '../../storage';
import { estimateRunMemory, loraTrainable, sequenceLengths } from '../../train/run-estimate';
import { totalSteps, validateTrainConfig } from '../../spec/train-config';
import type { HandlerSpec } from '../job';
import { requireOneOf } from './request-checks';
import { storeHandler } from './store-handler';
import { deviceBudget } from '../model/device-budget';
import { activeRun } from '../train/active-runs';
import { trainingData } from '../train/train-inputs';

/** `trainControl`: forwards pause/resume/stop to the running run; `accepted` false when no such run is going. */
export const trainControlHandler: HandlerSpec<'trainControl'> = {
  gpu: false,
  async run(params, job) {
    requireOneOf(params.action, ['pause', 'resume', 'stop'], 'training action');
    const run = activeRun(job.state);
    if (!run || run.runId !== params.runId) return { runId: params.runId, accepted: false };
    run.control(params.action);
    return { runId: params.runId, accepted: true };
  },
};

/** `estimateTraining`: peak memory of one step with these settings, trainable parameters, and steps for the dataset. */
export const estimateTrainingHandler: HandlerSpec<'estimateTraining'> = {
  gpu: false,
  async run(params, job) {
    const loaded = job.state.session.requireModel();
    try {
      validateLoraConfig(params.lora);
      validateTrainConfig(params.train);
    } catch (e) {
      throw new InvalidRequestError(e instanceof Error ? e.message : String(e));
    }
    const { model, info } = loaded;
    const { parameters: trainable, modules } = loraTrainable(model, params.lora);
    if (modules === 0)
      throw new InvalidRequestError('The LoRA targets match no module of this model. Pick other target modules.');
    const data = params.datasetId
      ? await trainingData(await job.state.db(), params.datasetId, info.id, undefined, loaded.tokenizer.hasChatTemplate)
      : null;
    const t = params.train;
    const longest = data ? data.train.reduce((m, e) => Math.max(m, ...sequenceLengths(e)), 0) : null;
    const { seqLen, memory } = estimateRunMemory(model, params.lora, {
      quant: info.quant,
      embeddings: info.embeddings,
      train: t,
      longestExample: longest,
      checkpointing: true,
      backend: info.backend,
    });
    const result: TrainingEstimate = {
      memory,
      trainableParameters: trainable,
      trainableShare: trainable / model.parameterCount(),
      modules,
      trainExamples: data ? data.train.length : null,
      evalExamples: data ? data.eval.length : null,
      totalSteps: data ? totalSteps(t, data.train.length) : t.steps,
      seqLen,
      budget: deviceBudget(),
    };
    return result;
  },
};

/** `listRuns`: every run, newest first, with its metric history. */
export const listRunsHandler = storeHandler<'listRuns'>((db) => listRuns(db));

/** `getRun`: one run with its metric history. */
export const getRunHandler: HandlerSpec<'getRun'> = {
  gpu: false,
  async run(params, job) {
    const run = await getRun(await job.state.db(), String(params.id ?? ''));
    if (!run) throw new InvalidRequestError(`No training run with id '${String(params.id)}'.`);
    return run;
  },
};

/** `deleteRun`: a run and its checkpoints (not the adapter it saved); refuses the run in progress. */
export const deleteRunHandler: HandlerSpec<'deleteRun'> = {
  gpu: false,
  async run(params, job) {
    const id = String(params.id ?? '');
    if (activeRun(job.state)?.runId === id)
      throw new InvalidRequestError('This run is in progress. Stop it before deleting it.');
    await deleteRun(await job.state.db(), id);
    return { id };
  },
};
