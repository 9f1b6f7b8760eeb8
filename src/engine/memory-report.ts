/**
 * The engine's memory as the status bar shows it: tfjs's tensor counters on every backend, plus the WebGPU buffer
 * manager's bytes where the backend has one.
 *
 * Why two figures: on WebGPU a tensor's data stays in host memory until a kernel first reads it (tfjs uploads
 * lazily), so right after a model loads `numBytesInGPU` is 0 while the weights take megabytes. `numBytes` (every
 * live tensor, wherever its data is) is the figure that never lies about what the engine holds; the GPU figures say
 * how much of it sits in GPU buffers, and how much the buffer pool keeps allocated for reuse.
 */
import { tf } from '../backend/tf';
import type { MemoryReport } from '../protocol/messages';

/** Reads the current backend's counters (cheap: no GPU round trip). */
export function memoryReport(): MemoryReport {
  // Before `init` picked a backend, tf.memory() would initialise tfjs's default one behind init's back.
  if (!tf.getBackend()) return { numTensors: 0, numBytes: 0, numBytesInGPU: null, numBytesAllocatedInGPU: null };
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: unknown; numBytesAllocatedInGPU?: unknown };
  // numBytesInGPU / numBytesAllocatedInGPU exist on the webgpu (and webgl) memory info only.
  const inGpu = typeof m.numBytesInGPU === 'number' ? m.numBytesInGPU : null;
  const allocated = typeof m.numBytesAllocatedInGPU === 'number' ? m.numBytesAllocatedInGPU : null;
  return { numTensors: m.numTensors, numBytes: m.numBytes, numBytesInGPU: inGpu, numBytesAllocatedInGPU: allocated };
}
