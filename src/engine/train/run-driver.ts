/**
 * Drives one `Trainer` for the `train` request: forwards its events to the UI (step, checkpoint, status), appends
 * the metric history to the run record at each checkpoint, holds the run at a step boundary for sample
 * generations, and applies the user's pause / resume / stop.
 *
 * Samples use the trainer's own pause: the run saves a checkpoint, waits, and resumes after the samples, so the
 * pause is excluded from the step times and an interruption while sampling loses nothing. Generations the user
 * asks for during the run wait at the run's step boundary (see step-boundary.ts); while the user holds the run
 * the boundary is parked and they run at once.
 */
import type { PromptFormat } from '../../data/prompt-format';
import type { LoraAdapter } from '../../lora/lora-adapter';
import type { TrainAction } from '../../protocol/train-types';
import type { TrainRunSpec } from '../../spec/run-spec';
import { updateRun, type StudioDb } from '../../storage';
import type { MetricPoint, RunRecord } from '../../spec/records';
import type { StepMetrics } from '../../train/metrics';
import type { Trainer, TrainerEvent, TrainerStatus, TrainResult } from '../../train/trainer';
import type { JobContext } from '../job';
import type { LoadedModel } from '../session';
import type { StepBoundary } from '../step-boundary';
import type { RunController } from './active-runs';
import { metricPoint } from './run-records';
import { generateSamples, samplesDue } from './run-samples';

export interface RunDriverOptions {
  job: JobContext;
  db: StudioDb;
  runId: string;
  spec: TrainRunSpec;
  trainer: Trainer;
  adapter: LoraAdapter;
  loaded: LoadedModel;
  /** How the dataset's prompts were rendered: sample prompts are rendered the same way. */
  promptFormat: PromptFormat;
  /** Where generations asked for during the run wait; parked (they run at once) while the user holds the run. */
  boundary: StepBoundary;
}

/** One run's event wiring and controls. */
export class RunDriver implements RunController {
  readonly runId: string;
  private userPaused = false;
  /** Step whose samples are being generated (the trainer is paused for them), or null. */
  private samplingAt: number | null = null;
  private lastSampled = -1;
  private sampling: Promise<void> = Promise.resolve();
  private writes: Promise<unknown> = Promise.resolve();
  private pending: MetricPoint[] = [];

  constructor(private readonly o: RunDriverOptions) {
    this.runId = o.runId;
  }

  get adapter(): LoraAdapter {
    return this.o.adapter;
  }

  /** Runs the trainer to its end (and the final samples); the trainer's result. */
  async run(): Promise<TrainResult> {
    const { trainer, job } = this.o;
    const off = trainer.on((e) => this.onTrainerEvent(e));
    const onAbort = () => trainer.stop();
    job.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await trainer.run();
      await this.sampling;
      if (
        (result.status === 'finished' || result.status === 'stopped') &&
        this.lastSampled !== result.step &&
        !job.signal.aborted
      ) {
        this.status('sampling', result.step, null);
        await this.sample(result.step);
      }
      return result;
    } finally {
      off();
      job.signal.removeEventListener('abort', onAbort);
      await this.sampling.catch(() => undefined);
    }
  }

  /** Appends the unsaved metric points and applies `patch` to the run record (writes stay in order). */
  flush(patch: Partial<Omit<RunRecord, 'id' | 'metrics'>> = {}): Promise<unknown> {
    const points = this.pending.splice(0);
    this.writes = this.writes
      .then(() => updateRun(this.o.db, this.runId, patch, points))
      .catch((e: unknown) => {
        this.o.job.log('warn', `could not update the run record: ${e instanceof Error ? e.message : String(e)}`);
      });
    return this.writes;
  }

  control(action: TrainAction): void {
    const { trainer } = this.o;
    switch (action) {
      case 'pause':
        this.userPaused = true;
        if (this.samplingAt === null) trainer.pause();
        return;
      case 'resume':
        this.userPaused = false;
        if (this.samplingAt === null) trainer.resume();
        return;
      case 'stop':
        return trainer.stop();
    }
  }

  private onTrainerEvent(e: TrainerEvent): void {
    const { job, spec, trainer } = this.o;
    switch (e.type) {
      case 'step':
        this.pending.push(metricPoint(e.metrics));
        job.emit({ kind: 'trainStep', runId: this.runId, totalSteps: trainer.totalSteps, metrics: e.metrics });
        job.reportMemory();
        if (e.metrics.step < trainer.totalSteps && samplesDue(spec.samples, e.metrics.step, trainer.totalSteps)) {
          this.samplingAt = e.metrics.step;
          trainer.pause();
        }
        return;
      case 'evaluating':
        job.emit({ kind: 'trainEval', runId: this.runId, step: e.step, done: e.done, total: e.total });
        return;
      case 'checkpoint':
        job.emit({ kind: 'checkpointSaved', runId: this.runId, step: e.step });
        void this.flush();
        return;
      case 'rollback':
        // The UI drops the points after `toStep` when the next step arrives; the record drops them here.
        this.pending = this.pending.filter((p) => p.step <= e.toStep);
        job.log('warn', e.message);
        this.status(trainer.currentStatus, e.toStep, e.message);
        return;
      case 'status':
        return this.onStatus(e.status, e.message ?? null);
    }
  }

  private onStatus(status: TrainerStatus, message: string | null): void {
    const step = this.o.trainer.currentStep;
    if (status === 'paused' && this.samplingAt !== null) {
      const at = this.samplingAt;
      this.status('sampling', step, null);
      this.sampling = this.sample(at).finally(() => {
        this.samplingAt = null;
        if (this.userPaused) this.hold(step);
        else this.o.trainer.resume();
      });
      return;
    }
    if (status === 'paused') return this.hold(step);
    this.status(status, step, message);
    if (status === 'running') {
      this.o.boundary.unpark();
      void this.flush({ status });
    }
  }

  /** The user holds the run: generations asked for meanwhile run at once instead of at the next step. */
  private hold(step: number): void {
    this.o.boundary.park();
    this.status('paused', step, null);
    void this.flush({ status: 'paused' });
  }

  private status(status: TrainerStatus | 'sampling', step: number, message: string | null): void {
    this.o.job.emit({ kind: 'trainStatus', runId: this.runId, status, step, message });
  }

  private async sample(step: number): Promise<void> {
    const { job, loaded, adapter, spec, promptFormat } = this.o;
    this.lastSampled = step;
    try {
      await generateSamples(
        loaded,
        adapter,
        spec.samples,
        promptFormat,
        (s) => job.emit({ kind: 'trainSample', runId: this.runId, step, ...s }),
        job.signal,
      );
    } catch (e) {
      job.log('warn', `sample generation at step ${step} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Every step of a result's history as the run record keeps it. */
export function historyPoints(metrics: readonly StepMetrics[]): MetricPoint[] {
  return metrics.map(metricPoint);
}
