/**
 * Train section state: the form, the estimate, the live (or last) run with its metric series and sample timeline,
 * unfinished runs that can be resumed, and chart options. Engine events of the `train` request are folded in by
 * {@link TrainSlice.applyTrainEvent}; the async work lives in ./train-actions.ts.
 */
import type { StateCreator } from 'zustand';
import type { PromptFormat } from '../../src/data/prompt-format';
import type { StreamEvent } from '../../src/protocol/stream';
import { assertNever } from '../../src/spec/errors';
import type { TrainingEstimate } from '../../src/protocol/train-types';
import type { TrainRunSpec } from '../../src/spec/run-spec';
import type { RunRecord } from '../../src/spec/records';
import type { TrainerStatus } from '../../src/train/trainer';
import type { StudioState } from './index';
import { MetricSeries } from './metric-series';
import { loadTrainForm } from './train-form-storage';
import type { TrainForm } from '../../src/spec/presets';

export type RunStatus = 'starting' | 'sampling' | 'evaluating' | TrainerStatus;

/** The run the section shows: live while `status` is starting/running/sampling/paused. */
export interface TrainRunView {
  runId: string | null;
  name: string;
  status: RunStatus;
  step: number;
  totalSteps: number;
  resumedAt: number;
  trainableParameters: number;
  trainableShare: number;
  trainExamples: number;
  evalExamples: number;
  lastCheckpoint: number | null;
  elapsedMs: number;
  etaMs: number | null;
  tokensPerSec: number | null;
  gpuBytes: number | null;
  /** Why the run ended early or what happened (rollback, stop), in the engine's words. */
  message: string | null;
  adapterId: string | null;
  /** How sample prompts are rendered (the dataset's format), once the engine said. */
  promptFormat: PromptFormat | null;
  /** While evaluating: eval batches done of total. */
  evalProgress: { done: number; total: number } | null;
}

/** One sample generation on the timeline. */
export interface SampleEntry {
  step: number;
  index: number;
  prompt: string;
  text: string;
}

export interface TrainSlice {
  train: {
    form: TrainForm;
    estimate: TrainingEstimate | null;
    estimating: boolean;
    estimateError: string | null;
    run: TrainRunView | null;
    /**
     * Set when the chart shows a stored run's history instead of a live run: the library's "Loss history", or an
     * interrupted run after a reload (`interrupted`); `spec` is the settings it trained with, when stored.
     */
    viewing: { runId: string; name: string; spec: TrainRunSpec | null; interrupted: boolean } | null;
    series: MetricSeries;
    /** Bumped whenever `series` changed in place (charts redraw on it). */
    seriesVersion: number;
    samples: SampleEntry[];
    /** Runs that stopped without finishing (reload, crash, lost GPU): offered for resuming. */
    unfinished: RunRecord[];
    chart: { smoothing: number; logScale: boolean };
    /** Another stored run whose smoothed loss the chart draws beside this one ("Compare with"), or null. */
    compare: { runId: string; name: string; series: MetricSeries } | null;
    error: string | null;
  };
  patchTrain(patch: Partial<TrainSlice['train']>): void;
  setTrainForm(update: (form: TrainForm) => TrainForm): void;
  /** Folds a `train` job event into the run view, the series and the timeline. */
  applyTrainEvent(event: StreamEvent<'train'>): void;
}

/** A run view before the engine answered. */
export function startingRun(name: string): TrainRunView {
  return {
    runId: null,
    name,
    status: 'starting',
    step: 0,
    totalSteps: 0,
    resumedAt: 0,
    trainableParameters: 0,
    trainableShare: 0,
    trainExamples: 0,
    evalExamples: 0,
    lastCheckpoint: null,
    elapsedMs: 0,
    etaMs: null,
    tokensPerSec: null,
    gpuBytes: null,
    message: null,
    adapterId: null,
    promptFormat: null,
    evalProgress: null,
  };
}

/** True while a run is in progress (the form is locked and the controls show). */
export function isLive(run: TrainRunView | null): boolean {
  return run !== null && ['starting', 'running', 'sampling', 'evaluating', 'paused', 'idle'].includes(run.status);
}

export const createTrainSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], TrainSlice> = (
  set,
  get,
) => ({
  train: {
    form: loadTrainForm(),
    estimate: null,
    estimating: false,
    estimateError: null,
    run: null,
    viewing: null,
    series: new MetricSeries(),
    seriesVersion: 0,
    samples: [],
    unfinished: [],
    chart: { smoothing: 0.6, logScale: false },
    compare: null,
    error: null,
  },
  patchTrain: (patch) => set((s) => ({ train: { ...s.train, ...patch } })),
  setTrainForm: (update) => set((s) => ({ train: { ...s.train, form: update(s.train.form) } })),
  applyTrainEvent: (event) => {
    const t = get().train;
    const run = t.run ?? startingRun('');
    const patchRun = (p: Partial<TrainRunView>, extra: Partial<TrainSlice['train']> = {}) =>
      set((s) => ({ train: { ...s.train, ...extra, run: { ...run, ...p } } }));
    switch (event.kind) {
      case 'trainStart':
        t.series.reset(event.history);
        return patchRun(
          {
            runId: event.runId,
            name: event.name,
            status: 'running',
            step: event.resumedAt,
            totalSteps: event.totalSteps,
            resumedAt: event.resumedAt,
            trainableParameters: event.trainableParameters,
            trainableShare: event.trainableShare,
            trainExamples: event.trainExamples,
            evalExamples: event.evalExamples,
            lastCheckpoint: event.resumedAt > 0 ? event.resumedAt : null,
            promptFormat: event.promptFormat,
          },
          {
            seriesVersion: t.seriesVersion + 1,
            viewing: null,
            samples: t.samples.filter((x) => x.step <= event.resumedAt),
          },
        );
      case 'trainStep': {
        const m = event.metrics;
        t.series.append(m);
        // The step's evaluation (if any) is done when its metrics arrive.
        const status = run.status === 'evaluating' ? 'running' : run.status;
        return patchRun(
          {
            status,
            evalProgress: null,
            step: m.step,
            totalSteps: event.totalSteps,
            elapsedMs: m.elapsedMs,
            etaMs: m.etaMs,
            tokensPerSec: m.tokensPerSec,
            gpuBytes: m.gpuBytes ?? run.gpuBytes,
          },
          { seriesVersion: t.seriesVersion + 1 },
        );
      }
      case 'trainSample':
        return set((s) => ({
          train: {
            ...s.train,
            samples: [
              ...s.train.samples,
              { step: event.step, index: event.index, prompt: event.prompt, text: event.text },
            ],
          },
        }));
      case 'trainEval':
        return patchRun({ status: 'evaluating', evalProgress: { done: event.done, total: event.total } });
      case 'checkpointSaved':
        return patchRun({ lastCheckpoint: event.step });
      case 'trainStatus':
        return patchRun({ status: event.status, step: event.step, message: event.message ?? run.message });
      default:
        return assertNever(event, 'training event');
    }
  },
});
