/**
 * The training loop as an object a worker can drive: `run()` trains until the last step, `pause()`/`resume()`
 * hold it at a step boundary (after saving a checkpoint), `stop()` saves and returns. Listeners get per-step
 * metrics, checkpoints, rollbacks and status changes. A NaN/Inf loss or gradient rolls back to the last good
 * checkpoint and stops with a message (or retries at half the learning rate).
 */
import { tf } from '../backend/tf';
import type { Rng } from '../util/rng';
import { AdamW } from './adamw';
import { makeBatch, type LmBatch } from './batch';
import { CHECKPOINT_VERSION, MemoryCheckpointStore, type Checkpoint, type CheckpointStore } from './checkpoint';
import {
  seedStreams,
  type TrainerEvent,
  type TrainerOptions,
  type TrainerStatus,
  type TrainResult,
} from './trainer-types';
import { DataCursor } from './data-cursor';
import { computeStepGradients, evaluate } from './grad-step';
import type { StepMetrics } from './metrics';
import { remainingMs } from './eta';
import { loraPlusMultipliers } from './lora-plus';
import { learningRate } from './schedule';
import { totalSteps, validateTrainConfig, type TrainConfig } from '../spec/train-config';

// The trainer's vocabulary, for importers of the trainer.
export * from './trainer-types';

const MAX_HALF_LR_RETRIES = 3;

export class Trainer {
  readonly totalSteps: number;
  private readonly cfg: TrainConfig;
  private readonly optimizer: AdamW;
  private readonly cursor: DataCursor;
  private readonly dropoutRng: Rng;
  private readonly store: CheckpointStore;
  private readonly listeners = new Set<(e: TrainerEvent) => void>();
  private readonly now: () => number;
  private step = 0;
  private metrics: StepMetrics[] = [];
  private lrScale = 1;
  private elapsedMs = 0;
  /** Evaluations and checkpoint saves timed in this session (the ETA counts what is still due of each). */
  private evals = { count: 0, ms: 0 };
  private saves = { count: 0, ms: 0 };
  private truncated = 0;
  private retries = 0;
  private lastGood: Checkpoint | null = null;
  private status: TrainerStatus = 'idle';
  private pauseRequested = false;
  private stopRequested = false;
  private wake: (() => void) | null = null;

  constructor(private readonly opts: TrainerOptions) {
    validateTrainConfig(opts.config);
    this.cfg = opts.config;
    const seeds = seedStreams(opts.config.seed);
    this.cursor = new DataCursor(opts.train.length, seeds.data);
    this.dropoutRng = seeds.dropout;
    opts.objective.setDropoutRng(this.dropoutRng);
    this.optimizer = new AdamW(
      opts.objective.variables,
      opts.config.adamw,
      loraPlusMultipliers(opts.objective.variables, opts.config.loraPlusRatio),
    );
    this.store = opts.store ?? new MemoryCheckpointStore();
    this.now = opts.now ?? (() => performance.now());
    this.totalSteps = totalSteps(opts.config, opts.train.length);
  }

  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: (e: TrainerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get currentStep(): number {
    return this.step;
  }

  get currentStatus(): TrainerStatus {
    return this.status;
  }

  /** Holds the run at the next step boundary, after a checkpoint. */
  pause(): void {
    this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }

  /** Ends the run at the next step boundary, after a checkpoint. */
  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /** Continues from `cp`, or from the store's latest checkpoint of this run; false when there is none. */
  async restore(cp?: Checkpoint): Promise<boolean> {
    const found = cp ?? (await this.store.loadLatest(this.opts.runId));
    if (!found) return false;
    this.applyCheckpoint(found);
    this.lastGood = found;
    return true;
  }

  /** The complete current state (async GPU readback). */
  async snapshot(): Promise<Checkpoint> {
    const params: Checkpoint['params'] = {};
    for (const [name, v] of this.opts.objective.variables)
      params[name] = { shape: [...v.shape], data: (await v.data()) as Float32Array };
    return {
      version: CHECKPOINT_VERSION,
      step: this.step,
      params,
      adam: await this.optimizer.getState(),
      rng: this.dropoutRng.getState(),
      data: this.cursor.getPosition(),
      metrics: this.metrics.map((m) => ({ ...m })),
      lrScale: this.lrScale,
      elapsedMs: this.elapsedMs,
      config: { train: this.cfg, run: this.opts.runConfig ?? null },
    };
  }

  private applyCheckpoint(cp: Checkpoint): void {
    for (const [name, v] of this.opts.objective.variables) {
      const t = cp.params[name];
      if (!t || t.data.length !== v.size)
        throw new Error(`checkpoint does not match trainable tensor '${name}' [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
    }
    this.optimizer.setState(cp.adam);
    this.dropoutRng.setState(cp.rng);
    this.cursor.setPosition(cp.data);
    this.step = cp.step;
    this.metrics = cp.metrics.map((m) => ({ ...m }));
    this.lrScale = cp.lrScale;
    this.elapsedMs = cp.elapsedMs;
  }

  private emit(e: TrainerEvent): void {
    for (const l of this.listeners) l(e);
  }

  private setStatus(status: TrainerStatus, message?: string): void {
    this.status = status;
    this.emit({ type: 'status', status, message });
  }

  private async saveCheckpoint(): Promise<void> {
    const t0 = this.now();
    const cp = await this.snapshot();
    await this.store.save(this.opts.runId, cp);
    this.saves.count += 1;
    this.saves.ms += this.now() - t0;
    this.lastGood = cp;
    this.emit({ type: 'checkpoint', step: cp.step });
  }

  /** Trains to the last step (or until stopped/diverged). */
  async run(): Promise<TrainResult> {
    if (this.status === 'running' || this.status === 'paused') throw new Error('this run is already in progress');
    this.stopRequested = false;
    this.setStatus('running');
    if (!this.lastGood) this.lastGood = await this.snapshot();
    while (this.step < this.totalSteps) {
      await new Promise((r) => setTimeout(r, 0)); // let pause/stop messages in
      if (this.pauseRequested && !this.stopRequested) await this.holdPaused();
      if (this.stopRequested) return this.finish('stopped');
      let outcome: StepMetrics | string;
      const before = this.step;
      try {
        const step = () => this.trainOneStep();
        outcome = await (this.opts.stepScope ? this.opts.stepScope(step) : step());
      } catch (e) {
        // A GPU fault reported as the step's error scope closes arrives after the step ran on stale data: it never
        // happened (no metrics, no count); the run resumes from the last checkpoint.
        this.step = before;
        return this.fail(e as Error);
      }
      if (typeof outcome === 'string') {
        const result = this.recover(outcome);
        if (result) return result;
        continue;
      }
      // Published only once the step's scope closed without a fault.
      this.metrics.push(outcome);
      this.emit({ type: 'step', metrics: outcome });
      if (this.cfg.checkpointEvery > 0 && this.step % this.cfg.checkpointEvery === 0) await this.saveCheckpoint();
    }
    return this.finish('finished');
  }

  private async holdPaused(): Promise<void> {
    await this.saveCheckpoint();
    this.setStatus('paused');
    while (this.pauseRequested && !this.stopRequested) await new Promise<void>((r) => (this.wake = r));
    this.wake = null;
    if (!this.stopRequested) this.setStatus('running');
  }

  private async finish(status: 'finished' | 'stopped'): Promise<TrainResult> {
    if (this.lastGood?.step !== this.step) await this.saveCheckpoint();
    return this.end(status);
  }

  /** Ends the run with `status`: listeners hear it (with `message`), the caller gets the result. */
  private end(status: TrainResult['status'], message?: string): TrainResult {
    this.setStatus(status, message);
    const result: TrainResult = {
      status,
      step: this.step,
      totalSteps: this.totalSteps,
      metrics: this.metrics,
      truncated: this.truncated,
    };
    if (message !== undefined) result.message = message;
    return result;
  }

  private nextMicroBatches(): LmBatch[] {
    const out: LmBatch[] = [];
    for (let g = 0; g < this.cfg.gradAccum; g++) {
      const examples = this.cursor.take(this.cfg.batchSize).map((i) => this.opts.train[i]);
      const b = makeBatch(examples, { maxSeqLen: this.cfg.maxSeqLen, bucket: this.cfg.bucket });
      this.truncated += b.truncated;
      out.push(b);
    }
    return out;
  }

  /** One optimizer step; returns a description of the failure when the loss or gradient is not finite. */
  private async trainOneStep(): Promise<StepMetrics | string> {
    const t0 = this.now();
    const batches = this.nextMicroBatches();
    const lr =
      learningRate(
        { kind: this.cfg.schedule, lr: this.cfg.lr, warmupSteps: this.cfg.warmupSteps, totalSteps: this.totalSteps },
        this.step,
      ) * this.lrScale;
    const { loss, gradNorm, grads } = await computeStepGradients(this.opts.objective, batches, this.cfg.maxGradNorm);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm)) {
      for (const g of grads.values()) g.dispose();
      return `step ${this.step + 1}: loss ${loss}, gradient norm ${gradNorm}`;
    }
    this.optimizer.apply(grads, lr);
    for (const g of grads.values()) g.dispose();
    this.step += 1;
    const stepMs = this.now() - t0;
    this.elapsedMs += stepMs;
    const tokens = batches.reduce((n, b) => n + b.tokens, 0);
    const m: StepMetrics = {
      step: this.step,
      loss,
      lr,
      gradNorm,
      tokensPerSec: stepMs > 0 ? (tokens * 1000) / stepMs : 0,
      elapsedMs: this.elapsedMs,
      etaMs: 0,
      epoch: this.cursor.epochProgress,
    };
    Object.assign(m, this.opts.objective.takeMetrics?.());
    const gpu = gpuBytes();
    if (gpu !== undefined) m.gpuBytes = gpu;
    await this.maybeEvaluate(m);
    m.etaMs = remainingMs({
      step: this.step,
      totalSteps: this.totalSteps,
      stepMs: this.elapsedMs,
      evals: this.evals.count,
      evalMs: this.evals.ms,
      evalEvery: this.cfg.evalEvery,
      hasEval: (this.opts.eval?.length ?? 0) > 0,
      checkpoints: this.saves.count,
      checkpointMs: this.saves.ms,
      checkpointEvery: this.cfg.checkpointEvery,
    });
    return m;
  }

  private async maybeEvaluate(m: StepMetrics): Promise<void> {
    const evalSet = this.opts.eval ?? [];
    if (evalSet.length === 0) return;
    const due = this.cfg.evalEvery > 0 ? this.step % this.cfg.evalEvery === 0 : false;
    if (!due && this.step !== this.totalSteps) return;
    const cap = this.cfg.evalMaxExamples > 0 ? Math.min(this.cfg.evalMaxExamples, evalSet.length) : evalSet.length;
    const batches: LmBatch[] = [];
    for (let i = 0; i < cap; i += this.cfg.batchSize) {
      batches.push(
        makeBatch(evalSet.slice(i, Math.min(cap, i + this.cfg.batchSize)), {
          maxSeqLen: this.cfg.maxSeqLen,
          bucket: this.cfg.bucket,
        }),
      );
    }
    const t0 = this.now();
    const progress = (done: number) => this.emit({ type: 'evaluating', step: this.step, done, total: batches.length });
    progress(0);
    m.evalLoss = await evaluate(this.opts.objective, batches, progress);
    this.evals.count += 1;
    this.evals.ms += this.now() - t0;
  }

  /**
   * A step threw (WebGPU device lost, out of memory, a kernel failure): nothing after the last checkpoint is
   * trusted. The run ends as 'failed' with a message saying where it can resume from; the store keeps that
   * checkpoint, so a new Trainer (after a page reload or on a fresh device) continues with `restore()`.
   */
  private fail(e: Error): TrainResult {
    const good = this.lastGood?.step ?? 0;
    const message = `training stopped at step ${this.step + 1}: ${e.message}. The run can resume from its checkpoint at step ${good}.`;
    return this.end('failed', message);
  }

  /** Rolls back after a non-finite step; returns the final result when the run ends here. */
  private recover(problem: string): TrainResult | null {
    const good = this.lastGood!;
    const fromStep = this.step + 1;
    this.applyCheckpoint(good);
    const retry = this.cfg.onNonFinite === 'retry-half-lr' && this.retries < MAX_HALF_LR_RETRIES;
    const message = retry
      ? `${problem} — rolled back to step ${good.step}, retrying at half the learning rate`
      : `${problem} — training diverged and was rolled back to the last good checkpoint (step ${good.step}). ` +
        'Lower the learning rate, enable gradient clipping, or retry with "retry at half LR".';
    this.emit({ type: 'rollback', fromStep, toStep: good.step, message });
    if (retry) {
      this.retries += 1;
      this.lrScale = good.lrScale * Math.pow(0.5, this.retries);
      return null;
    }
    return this.end('diverged', message);
  }

  /** Frees the optimizer state (the objective's variables belong to the caller). */
  dispose(): void {
    this.optimizer.dispose();
  }
}

/** GPU bytes held by the backend when it reports them (WebGPU/WebGL), else undefined. */
function gpuBytes(): number | undefined {
  const mem = tf.memory() as unknown as Record<string, unknown>;
  return typeof mem.numBytesInGPU === 'number' ? mem.numBytesInGPU : undefined;
}
