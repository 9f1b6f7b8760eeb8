/**
 * Hyper-parameters of a training run, with TRL/unsloth-like defaults. Everything here is plain JSON so it is
 * stored in checkpoints and shown in the UI as-is.
 */
import { DEFAULT_ADAMW, type AdamWConfig } from './adamw';
import { PREFERENCE_LOSSES, TRAIN_METHODS, type PreferenceLoss, type TrainMethod } from './method';
import type { ScheduleKind } from './schedule';

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

/** Throws a clear error for settings a run cannot start with. */
export function validateTrainConfig(c: TrainConfig): void {
  const posInt = (v: number, name: string) => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${v}`);
  };
  posInt(c.batchSize, 'batch size');
  posInt(c.gradAccum, 'gradient accumulation');
  posInt(c.maxSeqLen, 'max sequence length');
  posInt(c.bucket, 'length bucket');
  if (c.steps !== null) posInt(c.steps, 'steps');
  if (!(c.epochs > 0)) throw new Error(`epochs must be > 0, got ${c.epochs}`);
  if (!(c.lr > 0) || !Number.isFinite(c.lr)) throw new Error(`learning rate must be > 0, got ${c.lr}`);
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0) throw new Error(`warmup steps must be ≥ 0, got ${c.warmupSteps}`);
  if (c.method !== undefined && !TRAIN_METHODS.includes(c.method)) throw new Error(`method must be one of ${TRAIN_METHODS.join(', ')}, got ${c.method}`);
  if (c.beta !== undefined && !(c.beta > 0 && Number.isFinite(c.beta))) throw new Error(`beta must be > 0, got ${c.beta}`);
  if (c.preferenceLoss !== undefined && !PREFERENCE_LOSSES.includes(c.preferenceLoss)) {
    throw new Error(`preference loss must be one of ${PREFERENCE_LOSSES.join(', ')}, got ${c.preferenceLoss}`);
  }
  if (c.loraPlusRatio !== undefined && !(c.loraPlusRatio > 0 && Number.isFinite(c.loraPlusRatio))) {
    throw new Error(`LoRA+ ratio must be > 0, got ${c.loraPlusRatio}`);
  }
}
