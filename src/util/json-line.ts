/**
 * One JSON record per line for the CLI's stdout. `JSON.stringify` prints NaN and ±Infinity as `null`, which reads
 * as "no value" (an eval that did not run); here they print as the strings "NaN", "Infinity" and "-Infinity", so a
 * consumer sees exactly what was measured. Finite numbers are unchanged.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}
