/**
 * Timing: warm-up runs (shader compilation, buffer pools, XNNPACK packing) are discarded, then each timed run
 * is wall-clock from the first op to the moment its result is known to be computed. On WebGPU ops are queued
 * asynchronously, so every timed body must end with `syncTensor` (a one-element read-back that waits for the
 * whole queue) — otherwise we would time command encoding, not compute.
 */
import { tf, type Tensor } from '../../src/backend/tf';

export interface RunPlan {
  warmup: number;
  runs: number;
}

/** Warm-up and timed repetitions: --quick trades spread for time. `slow` is for items costing seconds each. */
export function runPlan(quick: boolean, slow = false): RunPlan {
  if (slow) return quick ? { warmup: 1, runs: 2 } : { warmup: 1, runs: 3 };
  return quick ? { warmup: 1, runs: 3 } : { warmup: 2, runs: 7 };
}

/** Waits until `t` (and everything queued before it) is computed by reading back a single element. */
export async function syncTensor(t: Tensor): Promise<void> {
  const one = tf.tidy(() => t.reshape([-1]).slice(0, 1));
  await one.data();
  one.dispose();
}

/** Runs `body` warm-up + timed times; returns the timed durations in ms. `body` must finish its own GPU work. */
export async function timeRuns(plan: RunPlan, body: () => Promise<void>): Promise<number[]> {
  for (let i = 0; i < plan.warmup; i++) await body();
  const samples: number[] = [];
  for (let i = 0; i < plan.runs; i++) {
    const t0 = performance.now();
    await body();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/**
 * Runs `body` under two settings in one process, interleaved pair by pair (A B, B A, A B, …, so a drift in the
 * machine's speed weighs on both sides alike), after `plan.warmup` warm-up runs under each; `set(side)` switches
 * before a run. Returns the timed durations (ms) of each side, pair i being `a[i]`, `b[i]`.
 */
export async function timeInterleaved(
  plan: RunPlan,
  set: (side: 'a' | 'b') => void,
  body: () => Promise<void>,
): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < plan.warmup; i++)
    for (const side of ['a', 'b'] as const) {
      set(side);
      await body();
    }
  for (let i = 0; i < plan.runs; i++)
    for (const side of i % 2 ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
      set(side);
      const t0 = performance.now();
      await body();
      out[side].push(performance.now() - t0);
    }
  set('a');
  return out;
}

/**
 * Times a tensor op that may be too small to time alone (a decode GEMV is ~1 MFLOP): runs it `inner` times
 * back to back and syncs once, so launch overhead is amortized the way it is in a real decode loop. `inner` is
 * calibrated from one call so a timed run lasts about `targetMs`. Returns per-call durations (ms).
 */
export async function timeOpRuns(plan: RunPlan, op: () => Tensor, targetMs = 25, maxInner = 256): Promise<number[]> {
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const y = op();
    await syncTensor(y);
    y.dispose();
    return performance.now() - t0;
  };
  await once(); // first call compiles shaders / packs weights
  const single = await once();
  const inner = Math.max(1, Math.min(maxInner, Math.ceil(targetMs / Math.max(single, 0.01))));
  const samples = await timeRuns(plan, async () => {
    let y: Tensor | null = null;
    for (let i = 0; i < inner; i++) {
      y?.dispose();
      y = op();
    }
    await syncTensor(y!);
    y!.dispose();
  });
  return samples.map((ms) => ms / inner);
}
