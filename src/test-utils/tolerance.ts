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
