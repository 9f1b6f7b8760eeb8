/**
 * Summary statistics of timed repetitions. The median is the headline (robust to a GC pause or a neighbour's
 * burst on a shared machine); min and max show the spread so a reader can tell a real change from noise.
 */

export interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median, min, max and count of a non-empty list of finite numbers. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new Error('summarize: no samples');
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`summarize: non-finite sample ${v}`);
  }
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

/**
 * Turns durations (ms) of a fixed amount of `work` into rates (work per second) and summarizes them. Computed
 * per sample, so min rate comes from the slowest run and max rate from the fastest.
 */
export function summarizeRate(durationsMs: readonly number[], work: number): Summary {
  return summarize(durationsMs.map((ms) => work / (Math.max(ms, 1e-6) / 1000)));
}

/**
 * Ratio of two summaries, `a / b`: median over median, and the widest plausible range (a.min / b.max up to
 * a.max / b.min) so a ratio never looks more certain than the figures behind it.
 */
export function ratioOf(a: Summary, b: Summary): Summary {
  return {
    median: a.median / b.median,
    min: a.min / b.max,
    max: a.max / b.min,
    runs: Math.min(a.runs, b.runs),
  };
}
