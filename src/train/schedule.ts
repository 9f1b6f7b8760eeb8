/**
 * Learning-rate schedules with linear warmup, matching `transformers.get_scheduler` (constant_with_warmup,
 * linear, cosine): the rate ramps from 0 to `lr` over `warmupSteps`, then stays, decays linearly to 0, or
 * follows half a cosine to 0 at `totalSteps`.
 */
import type { ScheduleKind } from '../spec/train-config';

export interface ScheduleConfig {
  kind: ScheduleKind;
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  /** Optimizer steps in the whole run (decay reaches 0 here). */
  totalSteps: number;
}

/** Learning rate for optimizer step `step` (0-based: the rate used by the first update is `learningRate(c, 0)`). */
export function learningRate(c: ScheduleConfig, step: number): number {
  if (step < c.warmupSteps) return (c.lr * step) / Math.max(1, c.warmupSteps);
  if (c.kind === 'constant') return c.lr;
  const decaySteps = Math.max(1, c.totalSteps - c.warmupSteps);
  const progress = Math.min(1, (step - c.warmupSteps) / decaySteps);
  if (c.kind === 'linear') return c.lr * Math.max(0, 1 - progress);
  return c.lr * 0.5 * (1 + Math.cos(Math.PI * progress));
}
