/**
 * `parts` joined into one array of `total` bytes (their summed length, counted when not given), copied once at the end so a line or block
 * that arrives in many chunks costs no quadratic re-copying. A single part is returned as it is, without a copy.
 */
export function concatBytes(
  parts: readonly Uint8Array[],
  total = parts.reduce((n, p) => n + p.byteLength, 0),
): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}
