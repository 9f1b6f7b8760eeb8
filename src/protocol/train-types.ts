/**
 * Types of the training requests (`estimateTraining`, `train`, `trainControl`, `listRuns`, `getRun`, `deleteRun`)
 * and their events. Plain structured-clone data derived from src/spec's run spec, so the UI form, the run records
 * and the CLI share one vocabulary.
 */
import type { PromptFormat } from '../data/prompt-format';
import type { StepMetrics } from '../train/metrics';
import type { TrainingMemory } from '../train/memory-estimate';
import type { TrainerStatus } from '../train/trainer';
import type { TrainRunSpec } from '../spec/run-spec';
import type { DeviceBudget } from './model-types';

/** Params of `train`: a new run, or `resumeRunId` to continue an unfinished one from its last checkpoint. */
export type TrainParams = { spec: TrainRunSpec; resumeRunId?: undefined } | { resumeRunId: string; spec?: undefined };

/** What `train` returns when the run ends (finished, stopped, diverged or failed). */
export interface TrainRunResult {
  runId: string;
  status: 'finished' | 'stopped' | 'diverged' | 'failed';
  step: number;
  totalSteps: number;
  /** The adapter saved to the library (finished or stopped runs), else null. */
  adapterId: string | null;
  finalLoss: { train: number | null; eval: number | null };
  /** Why it ended early, in words a user can act on. */
  message: string | null;
}

/** Params of `estimateTraining`: the form's settings, and the dataset when one is chosen. */
export type EstimateTrainingParams = Pick<TrainRunSpec, 'lora' | 'train'> & { datasetId: string | null };

/** The memory a run will need before it starts, against what the device has. */
export interface TrainingEstimate {
  memory: TrainingMemory;
  trainableParameters: number;
  /** Trainable share of the base's parameters. */
  trainableShare: number;
  /** Adapted modules (q_proj of layer 0, …). */
  modules: number;
  /** Known when a dataset was given. */
  trainExamples: number | null;
  evalExamples: number | null;
  totalSteps: number | null;
  /** Sequence length the estimate assumed (the longest row, capped by maxSeqLen, rounded up to the bucket). */
  seqLen: number;
  budget: DeviceBudget;
}

/** `trainControl` actions. */
export type TrainAction = 'pause' | 'resume' | 'stop';

/** Training events (each also carries `kind` and `jobId`, the `train` request's id). */
export interface TrainEventMap {
  /** The run started or resumed: its metric history so far (empty for a new run) and its size. */
  trainStart: {
    runId: string;
    name: string;
    totalSteps: number;
    resumedAt: number;
    history: StepMetrics[];
    trainableParameters: number;
    trainableShare: number;
    trainExamples: number;
    evalExamples: number;
    /** How sample prompts are rendered: the way the dataset's prompts were. */
    promptFormat: PromptFormat;
  };
  /** One optimizer step finished. */
  trainStep: { runId: string; totalSteps: number; metrics: StepMetrics };
  /** A sample generation at `step` from prompt `index`. Text is plain text (never render it as HTML). */
  trainSample: { runId: string; step: number; index: number; prompt: string; text: string };
  /** Evaluating the eval split after `step`: `done` of `total` batches (the run's status reads "Evaluating…"). */
  trainEval: { runId: string; step: number; done: number; total: number };
  /** A checkpoint of `step` is in IndexedDB. */
  checkpointSaved: { runId: string; step: number };
  /** The run's status changed ('running', 'paused', 'diverged', …); `message` says why when it ended early. */
  trainStatus: { runId: string; status: TrainerStatus | 'sampling'; step: number; message: string | null };
}
