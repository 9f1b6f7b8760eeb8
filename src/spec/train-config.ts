/**
 * Hyper-parameters of a training run, with TRL/unsloth-like defaults. Everything here is plain JSON so it is
 * stored in checkpoints and shown in the UI as-is.
 */
import { InvalidRequestError } from './errors';
import { PREFERENCE_LOSSES, TRAIN_METHODS, type PreferenceLoss, type TrainMethod } from './method';
import { ProblemList, problemsMessage, show, type SpecProblem } from './problems';

/** Learning-rate schedule after warmup, as `transformers.get_scheduler` names them (src/train/schedule.ts). */
export type ScheduleKind = 'constant' | 'linear' | 'cosine';

/** AdamW's hyper-parameters (src/train/adamw.ts), `torch.optim.AdamW`'s names and defaults. */
export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

export interface TrainConfig {
  /** Peak learning rate. */
  lr: number;
  schedule: ScheduleKind;
  warmupSteps: number;
  /** Optimizer steps; when null, `epochs` decides. */
  steps: number | null;
  epochs: number;
  /** Examples per micro-batch. */
  batchSize: number;
  /** Micro-batches per optimizer step. */
  gradAccum: number;
  /** Longer examples are cut to this many tokens (counted as truncated). */
  maxSeqLen: number;
  /** Micro-batch lengths are padded up to a multiple of this. */
  bucket: number;
  /** Global gradient-norm clip; 0 disables. */
  maxGradNorm: number;
  adamw: AdamWConfig;
  /** Evaluate on the held-out split every N steps (0 = only at the end). */
  evalEvery: number;
  /** Cap on eval examples per evaluation (keeps evals cheap on big splits); 0 = all. */
  evalMaxExamples: number;
  /** Save a checkpoint every N steps (0 = only on pause/stop/end). */
  checkpointEvery: number;
  seed: number;
  /** On NaN/Inf: roll back and stop, or roll back and continue at half the learning rate (up to 3 times). */
  onNonFinite: 'stop' | 'retry-half-lr';
  // Issue 19 (optional so runs saved before it read as SFT with one learning rate):
  /** Objective: supervised fine-tuning, DPO or ORPO (preference pairs). Default 'sft'. */
  method?: TrainMethod;
  /** DPO β (strength of the pull towards the reference) or ORPO λ (weight of the odds-ratio term). Default 0.1. */
  beta?: number;
  /** DPO loss: 'sigmoid' (the DPO paper) or 'ipo' (https://arxiv.org/abs/2310.12036). Default 'sigmoid'. */
  preferenceLoss?: PreferenceLoss;
  /** LoRA+ `loraplus_lr_ratio`: B (and DoRA magnitudes) learn at lr × this (e.g. 16). Absent or 1 = off. */
  loraPlusRatio?: number;
}

export { DEFAULT_BETA, PREFERENCE_LOSSES, TRAIN_METHODS, type PreferenceLoss, type TrainMethod } from './method';

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  lr: 2e-4,
  schedule: 'cosine',
  warmupSteps: 0,
  steps: null,
  epochs: 1,
  batchSize: 1,
  gradAccum: 1,
  maxSeqLen: 512,
  bucket: 16,
  maxGradNorm: 1,
  adamw: { ...DEFAULT_ADAMW },
  evalEvery: 0,
  evalMaxExamples: 0,
  checkpointEvery: 0,
  seed: 0,
  onNonFinite: 'stop',
};

/** Optimizer steps the run will take for `trainExamples` examples. */
export function totalSteps(c: TrainConfig, trainExamples: number): number {
  if (c.steps !== null) return c.steps;
  const perStep = c.batchSize * c.gradAccum;
  return Math.max(1, Math.ceil((c.epochs * trainExamples) / perStep));
}

/**
 * Everything wrong with `c` for a run to start with; empty when it is fine. The one place these settings are
 * checked: the engine refuses a run with these messages and the Train form shows them as the user types.
 */
export function trainConfigProblems(c: TrainConfig): SpecProblem[] {
  const p = new ProblemList();
  p.check(
    Number.isFinite(c.lr) && c.lr > 0,
    'train.lr',
    `Learning rate must be a number above 0, such as 2e-4 (got ${show(c.lr)}).`,
  );
  p.integer(c.warmupSteps, 'train.warmupSteps', 'Warmup steps', 0);
  if (c.steps !== null) p.integer(c.steps, 'train.steps', 'Total steps');
  else
    p.check(
      Number.isFinite(c.epochs) && c.epochs > 0,
      'train.epochs',
      `Number of epochs must be above 0 (got ${show(c.epochs)}).`,
    );
  p.integer(c.batchSize, 'train.batchSize', 'Batch size');
  p.integer(c.gradAccum, 'train.gradAccum', 'Gradient accumulation');
  p.integer(c.maxSeqLen, 'train.maxSeqLen', 'Max sequence length');
  p.integer(c.bucket, 'train.bucket', 'Length bucket');
  p.check(
    Number.isFinite(c.maxGradNorm) && c.maxGradNorm >= 0,
    'train.maxGradNorm',
    `Gradient clipping must be 0 (off) or above (got ${show(c.maxGradNorm)}).`,
  );
  if (c.method !== undefined)
    p.check(
      TRAIN_METHODS.includes(c.method),
      'train.method',
      `Method must be one of ${TRAIN_METHODS.join(', ')} (got ${show(c.method)}).`,
    );
  if (c.beta !== undefined)
    p.check(
      Number.isFinite(c.beta) && c.beta > 0,
      'train.beta',
      `β must be a number above 0, such as 0.1 (got ${show(c.beta)}).`,
    );
  if (c.preferenceLoss !== undefined) {
    p.check(
      PREFERENCE_LOSSES.includes(c.preferenceLoss),
      'train.preferenceLoss',
      `DPO loss must be one of ${PREFERENCE_LOSSES.join(', ')} (got ${show(c.preferenceLoss)}).`,
    );
  }
  if (c.loraPlusRatio !== undefined) {
    p.check(
      Number.isFinite(c.loraPlusRatio) && c.loraPlusRatio > 0,
      'train.loraPlusRatio',
      `LoRA+ ratio must be a number above 0, such as 16 (got ${show(c.loraPlusRatio)}).`,
    );
  }
  return p.problems;
}

/** Throws an `InvalidRequestError` naming every setting a run cannot start with. */
export function validateTrainConfig(c: TrainConfig): void {
  const problems = trainConfigProblems(c);
  if (problems.length) throw new InvalidRequestError(problemsMessage(problems));
}
