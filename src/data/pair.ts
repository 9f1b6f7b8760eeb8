/**
 * A preference pair as one `TokenizedExample`: the chosen and the rejected sequence (each prompt + answer, loss on
 * the answer) laid end to end as two segments, 1 = chosen and 2 = rejected, positions restarting at 0. That is the
 * layout of a packed row, so storage, workers, splits and shuffles carry a pair as one example, and `makeBatch`
 * splits it into two rows (chosen first) for the preference losses (`src/train/preference/`).
 */
import type { TokenizedExample } from './types';

/** The two sequences of a pair as one two-segment example. */
export function pairExample(chosen: TokenizedExample, rejected: TokenizedExample): TokenizedExample {
  const n = chosen.ids.length;
  const m = rejected.ids.length;
  const ids = new Int32Array(n + m);
  ids.set(chosen.ids);
  ids.set(rejected.ids, n);
  const lossMask = new Uint8Array(n + m);
  lossMask.set(chosen.lossMask);
  lossMask.set(rejected.lossMask, n);
  const segmentIds = new Int32Array(n + m).fill(1, 0, n).fill(2, n);
  const positionIds = Int32Array.from({ length: n + m }, (_, i) => (i < n ? i : i - n));
  return { ids, lossMask, segmentIds, positionIds };
}

/** The chosen and rejected sequences of a pair example (inverse of `pairExample`). */
export function splitPair(ex: TokenizedExample): { chosen: TokenizedExample; rejected: TokenizedExample } {
  const seg = ex.segmentIds ?? new Int32Array(0);
  const n = seg.indexOf(2);
  if (n <= 0) throw new Error('not a preference pair (segments 1 = chosen, 2 = rejected)');
  return {
    chosen: { ids: ex.ids.slice(0, n), lossMask: ex.lossMask.slice(0, n) },
    rejected: { ids: ex.ids.slice(n), lossMask: ex.lossMask.slice(n) },
  };
}
