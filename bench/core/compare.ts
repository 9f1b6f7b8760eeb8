/**
 * `--compare A.json B.json`: matches figures by key and reports B relative to A, oriented so that a ratio
 * above 1 is always an improvement (for costs such as ms or bytes the ratio is A/B).
 */
import type { BenchResult, Figure } from './types';

export interface ComparedFigure {
  key: string;
  label: string;
  unit: string;
  a: number;
  b: number;
  /** B's median over A's median (raw). */
  ratio: number;
  /** >1 means B is better: ratio for throughputs, 1/ratio for costs. */
  improvement: number;
  /** True when the spreads (min–max) of A and B do not overlap, i.e. the change is beyond run-to-run noise. */
  significant: boolean;
}

export interface Comparison {
  matched: ComparedFigure[];
  onlyInA: string[];
  onlyInB: string[];
}

function compareFigure(a: Figure, b: Figure): ComparedFigure {
  const ratio = b.median / a.median;
  const improvement = a.higherIsBetter ? ratio : 1 / ratio;
  const significant = b.min > a.max || b.max < a.min;
  return { key: a.key, label: a.label, unit: a.unit, a: a.median, b: b.median, ratio, improvement, significant };
}

/** Compares two result files figure by figure. */
export function compareResults(a: Pick<BenchResult, 'figures'>, b: Pick<BenchResult, 'figures'>): Comparison {
  const byKeyB = new Map(b.figures.map((f) => [f.key, f]));
  const keysA = new Set(a.figures.map((f) => f.key));
  const matched: ComparedFigure[] = [];
  for (const fa of a.figures) {
    const fb = byKeyB.get(fa.key);
    if (fb && fa.unit === fb.unit && fa.median !== 0) matched.push(compareFigure(fa, fb));
  }
  return {
    matched,
    onlyInA: a.figures.filter((f) => !byKeyB.has(f.key)).map((f) => f.key),
    onlyInB: b.figures.filter((f) => !keysA.has(f.key)).map((f) => f.key),
  };
}
