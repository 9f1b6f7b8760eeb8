/**
 * A high-water mark of backend memory during a piece of work. tfjs only reports current totals, and its
 * `tf.memory().numBytes` counts bytes per tensor *handle* — a reshape or identity view of a buffer counts again —
 * so it over-states what is allocated. The probe hooks the engine where data buffers come and go (`trackTensor`
 * registers a new dataId, `removeDataId` drops one) and keeps the sum over distinct live buffers: exact, per
 * allocation, any backend. On WebGPU `numBytesInGPU` (buffers the backend holds in use) and
 * `numBytesAllocatedInGPU` (those plus the freed buffers its pool keeps for reuse) are sampled at the same moments.
 */
import { tf } from './tf';

interface TensorLike {
  dataId: object;
  dtype: string;
  size: number;
}

interface Hookable {
  trackTensor(a: TensorLike, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
  state: { tensorInfo: WeakMap<object, { bytes: number }> };
}

export interface MemoryPeak {
  /** Peak bytes of distinct live tensor buffers above the level at start. */
  tensorBytes: number;
  /** Bytes of distinct live buffers at the end above the level at start (what the work left allocated). */
  retainedBytes: number;
  /** Peak GPU bytes in use (numBytesInGPU), absolute; null off WebGPU. */
  gpuBytes: number | null;
  /** Peak GPU bytes allocated, the buffer pool included (numBytesAllocatedInGPU), absolute; null off WebGPU. */
  gpuAllocatedBytes: number | null;
}

function gpuBytesNow(): { inUse: number; allocated: number } | null {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  if (typeof m.numBytesInGPU !== 'number') return null;
  return { inUse: m.numBytesInGPU, allocated: m.numBytesAllocatedInGPU ?? m.numBytesInGPU };
}

/** A running probe: `stop()` unhooks the engine and returns the high-water marks since it started. */
export interface MemoryProbe {
  stop(): MemoryPeak;
}

/** Starts sampling memory at every tensor allocation (see the file comment). Stop it exactly once. */
export function startMemoryProbe(): MemoryProbe {
  const engine = tf.engine() as unknown as Hookable;
  const { trackTensor, removeDataId } = engine;
  const infos = engine.state.tensorInfo;
  // Relative to the start: tensorInfo is a WeakMap, so the level before cannot be summed, only changes tracked.
  let live = 0;
  let peak = 0;
  const start = gpuBytesNow();
  let peakGpu = start?.inUse ?? null;
  let peakAllocated = start?.allocated ?? null;
  const sample = (): void => {
    peak = Math.max(peak, live);
    const g = gpuBytesNow();
    if (g === null) return;
    peakGpu = Math.max(peakGpu ?? 0, g.inUse);
    peakAllocated = Math.max(peakAllocated ?? 0, g.allocated);
  };
  engine.trackTensor = function (this: Hookable, a, backend) {
    const isNew = !infos.has(a.dataId);
    trackTensor.call(this, a, backend);
    if (isNew) live += infos.get(a.dataId)?.bytes ?? 0;
    sample();
  };
  engine.removeDataId = function (this: Hookable, dataId, backend) {
    const bytes = infos.get(dataId)?.bytes ?? 0;
    removeDataId.call(this, dataId, backend);
    if (!infos.has(dataId)) live -= bytes;
  };
  return {
    stop() {
      sample();
      engine.trackTensor = trackTensor;
      engine.removeDataId = removeDataId;
      return { tensorBytes: peak, retainedBytes: live, gpuBytes: peakGpu, gpuAllocatedBytes: peakAllocated };
    },
  };
}

/** Runs `fn` and returns its result with the memory high-water marks reached while it ran. */
export async function withMemoryPeak<T>(fn: () => Promise<T>): Promise<{ result: T; peak: MemoryPeak }> {
  const probe = startMemoryProbe();
  let peak: MemoryPeak | null = null;
  try {
    const result = await fn();
    peak = probe.stop();
    return { result, peak };
  } finally {
    if (!peak) probe.stop();
  }
}

/** Bytes of the wasm backend's linear memory (its heap only grows, so this is its high-water mark); else null. */
export function wasmHeapBytes(): number | null {
  if (tf.getBackend() !== 'wasm') return null;
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.byteLength ?? null;
}
