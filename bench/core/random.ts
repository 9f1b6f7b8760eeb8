/**
 * Deterministic random weights for the bench, generated where they are used (in the worker): no download, and
 * the same seed gives the same numbers on every machine. mulberry32 is plenty for benchmark data and fills
 * ~100 M floats/s, so SmolLM2-135M's weights are ready in a couple of seconds.
 */

/** Fills `out` with U(−scale, scale) from a seeded mulberry32 stream; returns `out`. */
export function fillUniform(out: Float32Array, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  for (let i = 0; i < out.length; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296; // [0, 1)
    out[i] = (2 * u - 1) * scale;
  }
  return out;
}

/** A new Float32Array of `n` values U(−scale, scale). */
export function uniform(n: number, seed: number, scale = 1): Float32Array {
  return fillUniform(new Float32Array(n), seed, scale);
}

/** Random token ids in [0, vocab) from a seeded stream. */
export function randomIds(n: number, vocab: number, seed: number): Int32Array {
  const u = uniform(n, seed, 1);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = Math.min(vocab - 1, Math.floor(((u[i] + 1) / 2) * vocab));
  return ids;
}
