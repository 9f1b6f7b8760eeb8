/**
 * Seeded train/eval split and shuffle. The same seed gives the same split on every machine (the PRNG uses only
 * 32-bit integer math), so an eval loss is comparable across runs.
 */
import { Rng } from '../util/rng';

/** Number of eval examples: a fraction in [0, 1) of `n`, or a count ≥ 1; always leaves ≥ 1 for training. */
export function evalCount(n: number, evalSplit: number): number {
  if (!(evalSplit > 0) || n < 2) return 0;
  const k = evalSplit < 1 ? Math.max(1, Math.round(n * evalSplit)) : Math.floor(evalSplit);
  return Math.min(k, n - 1);
}

/**
 * Splits `items` into train and eval. Eval is a seeded random subset (kept in file order); train is shuffled
 * when `shuffle` is set, else kept in file order.
 */
export function splitTrainEval<T>(
  items: readonly T[],
  evalSplit: number,
  seed: number,
  shuffle: boolean,
): { train: T[]; eval: T[] } {
  const n = items.length;
  const k = evalCount(n, evalSplit);
  if (k === 0 && !shuffle) return { train: items.slice(), eval: [] };
  const order = new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => i));
  const evalIdx = order.slice(0, k).sort((a, b) => a - b);
  const trainIdx = order.slice(k);
  if (!shuffle) trainIdx.sort((a, b) => a - b);
  return { train: trainIdx.map((i) => items[i]), eval: evalIdx.map((i) => items[i]) };
}
