/** Tolerance helpers for comparing engine output with references. */

/** Largest |a[i] − b[i]| (null entries must match as null). Throws on length or null mismatch. */
export function maxAbsDiff(a: ArrayLike<number | null>, b: ArrayLike<number | null>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null) {
      if (x !== y) throw new Error(`entry ${i}: ${x} vs ${y}`);
      continue;
    }
    const d = Math.abs(x - y);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Mean |a[i] − b[i]| over non-null entries. */
export function meanAbsDiff(a: ArrayLike<number | null>, b: ArrayLike<number | null>): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === null || y === null) continue;
    sum += Math.abs(x - y);
    n++;
  }
  return n ? sum / n : 0;
}

/**
 * Largest |got[i] − want[i]| over the largest |want[i]|: for sums of many products, whose rounding error scales
 * with the terms rather than with each result (one near zero after cancellation is as exact as the others).
 */
export function errorOverLargest(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) throw new Error(`length ${got.length} ≠ ${want.length}`);
  let [worst, size] = [0, 0];
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
    size = Math.max(size, Math.abs(want[i]));
  }
  return worst / Math.max(size, 1e-30);
}
