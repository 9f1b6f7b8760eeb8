/**
 * A run's metric history as columns (step, loss, eval loss, lr, grad norm, tokens/s; DPO/ORPO reward margin and
 * accuracy), appended in place. Training streams a
 * point per step and runs reach 10 000+ steps, so the store keeps ONE mutable series and bumps a version number
 * instead of copying arrays on every step; charts read the columns when the version changes.
 */

import type { MetricPoint } from '../../src/spec/records';

/** One point as the engine reports it (StepMetrics and the run record's MetricPoint both fit). */
export interface SeriesPoint extends Omit<MetricPoint, 'time'> {
  'rewards/margins'?: number;
  'rewards/accuracies'?: number;
}

/** Append-only columns of one run's metrics; `null` marks a step without that metric (uPlot draws a gap). */
export class MetricSeries {
  readonly step: number[] = [];
  readonly loss: number[] = [];
  readonly evalLoss: (number | null)[] = [];
  readonly lr: (number | null)[] = [];
  readonly gradNorm: (number | null)[] = [];
  readonly tokensPerSec: (number | null)[] = [];
  readonly margins: (number | null)[] = [];
  readonly accuracies: (number | null)[] = [];

  get length(): number {
    return this.step.length;
  }

  /** Appends a point; a step at or before the last one (a rollback, a resumed run) first drops the points after it. */
  append(p: SeriesPoint): void {
    if (this.length > 0 && p.step <= this.step[this.length - 1]) this.truncate(p.step - 1);
    this.step.push(p.step);
    this.loss.push(p.loss);
    this.evalLoss.push(p.evalLoss ?? null);
    this.lr.push(p.lr ?? null);
    this.gradNorm.push(p.gradNorm ?? null);
    this.tokensPerSec.push(p.tokensPerSec ?? null);
    this.margins.push(p['rewards/margins'] ?? null);
    this.accuracies.push(p['rewards/accuracies'] ?? null);
  }

  /** Replaces everything with `points`. */
  reset(points: readonly SeriesPoint[] = []): void {
    this.truncate(-Infinity);
    for (const p of points) this.append(p);
  }

  /** Keeps the points with step ≤ `lastStep`. */
  truncate(lastStep: number): void {
    let n = this.length;
    while (n > 0 && this.step[n - 1] > lastStep) n--;
    for (const col of [
      this.step,
      this.loss,
      this.evalLoss,
      this.lr,
      this.gradNorm,
      this.tokensPerSec,
      this.margins,
      this.accuracies,
    ])
      col.length = n;
  }

  /** Whether the run logged preference metrics (DPO/ORPO). */
  get hasRewards(): boolean {
    return this.margins.some((v) => v !== null);
  }

  /** Loss of the first and the last step (for "loss went from … to …"), or null when empty. */
  lossRange(): { first: number; last: number } | null {
    return this.length === 0 ? null : { first: this.loss[0], last: this.loss[this.length - 1] };
  }
}
