/**
 * Percentile bootstrap of a token-weighted mean loss (Efron & Tibshirani 1993, ch. 13): resample the examples with
 * replacement, recompute Σ loss / Σ tokens, take the 2.5th and 97.5th percentiles. Examples, not tokens, are the
 * unit resampled because tokens inside one example are not independent. Seeded, so a run is reproducible.
 */
import { Rng } from '../util/rng';

/** One example's summed loss and its number of loss tokens. */
export interface ExampleLoss {
  nllSum: number;
  tokens: number;
}

/** Default resamples: the interval ends move by well under 1% of the loss between seeds at 1000. */
export const BOOTSTRAP_RESAMPLES = 1000;

/** [low, high] 95% interval of Σ nll / Σ tokens over `examples` (those with no tokens carry no weight). */
export function bootstrapCi95(
  examples: readonly ExampleLoss[],
  seed = 0,
  resamples = BOOTSTRAP_RESAMPLES,
): [number, number] {
  const n = examples.length;
  if (n === 0) throw new Error('bootstrap: no examples');
  const rng = new Rng(seed);
  const stats = new Float64Array(resamples);
  let kept = 0;
  for (let r = 0; r < resamples; r++) {
    let nll = 0;
    let tokens = 0;
    for (let i = 0; i < n; i++) {
      const e = examples[rng.nextInt(n)];
      nll += e.nllSum;
      tokens += e.tokens;
    }
    // A resample that drew only token-less examples has no mean; it is left out rather than counted as 0.
    if (tokens > 0) stats[kept++] = nll / tokens;
  }
  if (kept === 0) throw new Error('bootstrap: no loss tokens in any example');
  const sorted = stats.subarray(0, kept).sort();
  return [quantile(sorted, 0.025), quantile(sorted, 0.975)];
}

/** Linear-interpolation quantile of ascending `sorted` (numpy's default, type 7). */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
