/**
 * A small seeded PRNG: xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/xoshiro128starstar.c) seeded
 * through SplitMix32. Everything that must be reproducible from a seed (LoRA init, data shuffling, dropout masks,
 * sampling) draws from it, and checkpoints save `getState()` so a resumed run continues the same stream.
 *
 * The integer stream uses only 32-bit integer math (`Math.imul`, shifts), so it is bit-identical on every JS
 * engine and platform. `normal()` additionally uses `Math.log`/`Math.cos`, which V8 and SpiderMonkey both take
 * from fdlibm; the uniform stream it consumes is exact regardless.
 */

const TWO_POW_32 = 4294967296;

/** SplitMix32 step: spreads a 32-bit seed over the 128-bit state so that nearby seeds give unrelated streams. */
function splitMix32(x: number): [next: number, out: number] {
  const next = (x + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [next, (z ^ (z >>> 16)) >>> 0];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Seeded, serializable random number generator (xoshiro128**). */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** `seed` is any finite number; its integer part modulo 2³² selects the stream. */
  constructor(seed = 0) {
    this.seed(seed);
  }

  /** Restarts the stream from `seed`. */
  seed(seed: number): void {
    if (!Number.isFinite(seed)) throw new Error(`Rng seed must be a finite number, got ${seed}`);
    // Fold seeds above 2^32 in so that e.g. Date.now() seeds are not truncated to their low bits only.
    let x = (Math.trunc(seed) % TWO_POW_32) ^ Math.trunc(seed / TWO_POW_32);
    let out: number;
    [x, out] = splitMix32(x);
    this.s0 = out;
    [x, out] = splitMix32(x);
    this.s1 = out;
    [x, out] = splitMix32(x);
    this.s2 = out;
    [, out] = splitMix32(x);
    this.s3 = out;
  }

  /** Next unsigned 32-bit integer. */
  next(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 2⁻³² resolution. */
  nextFloat(): number {
    return this.next() / TWO_POW_32;
  }

  /** Uniform integer in [0, n), unbiased (rejects the tail of the 32-bit range that would favour small values). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32)
      throw new Error(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.next();
    while (x >= limit) x = this.next();
    return x % n;
  }

  /** Standard normal draw (Box–Muller, one value per call so the state stays four integers). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.nextFloat(); // (0, 1]: log never sees 0
    const u2 = this.nextFloat();
    return mean + std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** The full state as four unsigned 32-bit integers (JSON-safe). */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  /** Restores a state from `getState()`; the stream continues exactly where it was saved. */
  setState(state: readonly number[]): void {
    const ok = state.length === 4 && state.every((v) => Number.isInteger(v) && v >= 0 && v < TWO_POW_32);
    if (!ok) throw new Error(`Rng.setState: expected 4 unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    if (state.every((v) => v === 0)) throw new Error('Rng.setState: the all-zero state is invalid for xoshiro128**');
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v | 0);
  }

  /** An independent copy at the same position. */
  clone(): Rng {
    const r = new Rng();
    r.setState(this.getState());
    return r;
  }
}

/**
 * mulberry32: a tiny seeded stream of floats in [0, 1) for reproducible test data, checks and sample files, where
 * the full `Rng` (checkpointable state, normals, shuffles) is not needed.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
