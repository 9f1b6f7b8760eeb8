/**
 * Where a step's time goes: one run under `tf.profile`, kernel times summed per kernel name. On cpu/wasm a
 * kernel's time is its synchronous wall time; nested kernels (inside a custom-gradient scope or a kernel that
 * runs other kernels) are timed both inside and on their own, so sums overlap. On WebGPU kernel times need
 * timestamp queries; without them there is no per-kernel split and the profile returns null.
 */
import { tf } from '../../src/backend/tf';

export interface StepProfile {
  wallMs: number;
  kernelMs: number;
  /** Kernel name → summed ms, largest first. */
  byKernel: [string, number][];
  kernels: number;
}

/** Profiles one call of `fn`; null when the backend gives no numeric kernel times. */
export async function profileStep(fn: () => Promise<void>): Promise<StepProfile | null> {
  const t0 = performance.now();
  const info = await tf.profile(fn);
  const wallMs = performance.now() - t0;
  const sums = new Map<string, number>();
  for (const k of info.kernels) {
    const ms = await k.kernelTimeMs;
    if (typeof ms !== 'number') return null;
    sums.set(k.name, (sums.get(k.name) ?? 0) + ms);
  }
  const byKernel = [...sums].sort((a, b) => b[1] - a[1]);
  const kernelMs = byKernel.reduce((a, [, ms]) => a + ms, 0);
  return { wallMs, kernelMs, byKernel, kernels: info.kernels.length };
}
