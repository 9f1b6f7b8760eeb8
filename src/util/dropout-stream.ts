/**
 * The random stream behind LoRA dropout masks: eight xorshift128 streams side by side, element i of a mask taking
 * lane i mod 8 at step ⌊i/8⌋, so that two 128-bit SIMD steps (`dropout_mul`, backend/kernels/lora-path-wat.ts) make
 * eight mask values at once and the JS below makes the same ones. A mask is seeded by 32 draws of the run's `Rng`
 * (each lane's four words), so it replays exactly from the run's dropout state, on every backend: the one-kernel
 * LoRA path on wasm regenerates a module's mask from its seed in the backward pass instead of keeping it.
 *
 * Dropping is `word < threshold` with threshold = ⌈p·2³²⌉ (unsigned), which drops with probability p to 2⁻³²; kept
 * values are scaled by 1/(1−p) as nn.Dropout does.
 */
import type { Rng } from './rng';

/** Lanes side by side: two sets of four (a v128 of i32 words each). */
export const DROPOUT_LANES = 8;

/** Seed words of a mask: per set of four lanes, xorshift128's a, b, c, d as 4 lanes each (the layout the wasm loads). */
export const DROPOUT_SEED_WORDS = 4 * DROPOUT_LANES;

/** Index in a seed of state word `word` (0–3: a, b, c, d) of lane `lane`. */
export function seedWordAt(lane: number, word: number): number {
  return 16 * (lane >> 2) + 4 * word + (lane & 3);
}

/** A mask's seed: 32 draws of `rng` as signed 32-bit words ({@link seedWordAt}'s layout); each lane's d made odd. */
export function dropoutSeed(rng: Rng): number[] {
  const seed = Array.from({ length: DROPOUT_SEED_WORDS }, () => rng.next() | 0);
  for (let lane = 0; lane < DROPOUT_LANES; lane++) seed[seedWordAt(lane, 3)] |= 1; // never the all-zero state
  return seed;
}

/** A lane's next d word: xorshift128's step from the lane's a and d (its b and c only shift down to a and b). */
export function nextDropoutWord(a: number, d: number): number {
  const t = a ^ (a << 11);
  return d ^ (d >>> 19) ^ (t ^ (t >>> 8));
}

/** ⌈p·2³²⌉ as a signed 32-bit word (compared unsigned), for p in [0, 1). */
export function dropoutThreshold(p: number): number {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout must be in [0, 1), got ${p}`);
  return Math.min(0xffffffff, Math.ceil(p * 4294967296)) | 0;
}

/** The factor kept values take, 1/(1−p), rounded to f32 as a mask tensor holds it. */
export function dropoutKeep(p: number): number {
  return Math.fround(1 / (1 - p));
}

/** The mask of `n` values from `seed` (see the file comment): 0 where dropped, {@link dropoutKeep} elsewhere. */
export function dropoutMaskFromSeed(n: number, p: number, seed: readonly number[]): Float32Array {
  if (seed.length !== DROPOUT_SEED_WORDS) throw new Error(`a dropout seed has ${DROPOUT_SEED_WORDS} words`);
  const mask = new Float32Array(n);
  const threshold = dropoutThreshold(p) >>> 0;
  const keep = dropoutKeep(p);
  for (let lane = 0; lane < DROPOUT_LANES; lane++) {
    let [a, b, c, d] = [0, 1, 2, 3].map((w) => seed[seedWordAt(lane, w)]);
    for (let i = lane; i < n; i += DROPOUT_LANES) {
      const next = nextDropoutWord(a, d);
      a = b;
      b = c;
      c = d;
      d = next;
      mask[i] = d >>> 0 < threshold ? 0 : keep;
    }
  }
  return mask;
}
