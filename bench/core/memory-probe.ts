/**
 * A high-water mark of backend memory during a piece of work. tfjs only reports the current totals, so the probe
 * hooks the engine's `trackTensor` (called for every tensor the engine allocates) and samples there: the peak of
 * `tf.memory().numBytes` (all live tensors, any backend) is exact at tensor granularity, and on WebGPU
 * `numBytesInGPU` (buffers in use by the backend) is sampled at the same moments.
 */
import { tf } from '../../src/backend/tf';

interface Hookable {
  trackTensor(a: unknown, backend: unknown): void;
}

export interface MemoryPeak {
  /** Peak bytes of live tensors (tf.memory().numBytes) above the level at start. */
  tensorBytes: number;
  /** Peak GPU bytes in use (numBytesInGPU), absolute; null off WebGPU. */
  gpuBytes: number | null;
}

function gpuBytesNow(): number | null {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
  return typeof m.numBytesInGPU === 'number' ? m.numBytesInGPU : null;
}

/** Runs `fn` and returns its result with the memory high-water marks reached while it ran. */
export async function withMemoryPeak<T>(fn: () => Promise<T>): Promise<{ result: T; peak: MemoryPeak }> {
  const engine = tf.engine() as unknown as Hookable;
  const original = engine.trackTensor;
  const base = tf.memory().numBytes;
  let peakTensor = base;
  let peakGpu = gpuBytesNow();
  const sample = (): void => {
    peakTensor = Math.max(peakTensor, tf.memory().numBytes);
    const g = gpuBytesNow();
    if (g !== null) peakGpu = Math.max(peakGpu ?? 0, g);
  };
  engine.trackTensor = function (this: Hookable, a: unknown, backend: unknown) {
    original.call(this, a, backend);
    sample();
  };
  try {
    const result = await fn();
    sample();
    return { result, peak: { tensorBytes: peakTensor - base, gpuBytes: peakGpu } };
  } finally {
    engine.trackTensor = original;
  }
}

/** Bytes of the wasm backend's linear memory (its heap only grows, so this is its high-water mark); else null. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength ?? null;
}
