/**
 * The last stdout line of `train` (issue 12):
 * `{"summary":true,"steps":N,"backend":"…","peakBytes":N,"estimateBytes":N,…}`.
 *
 * `peakBytes` is the measured peak of the memory the backend computes in:
 * - webgpu: GPU buffer bytes in use (`numBytesInGPU`), sampled at every tensor allocation from before the model
 *   loads to the end of training (`gpuAllocatedBytes` adds the freed buffers tfjs's pool keeps for reuse);
 * - wasm: the wasm heap's size at the end, its high-water mark (the heap only grows);
 * - cpu: the peak bytes of distinct live tensor buffers (JS typed arrays; views counted once).
 * `estimateBytes` is `estimateRunMemory`'s total for the same settings, what the studio shows before a run.
 */
import { wasmHeapBytes, type MemoryPeak } from '../../backend/memory-probe';
import type { TrainingMemory } from '../../train/memory-estimate';
import type { CliBackend } from '../backend-flag';

export interface TrainSummary {
  summary: true;
  steps: number;
  backend: CliBackend;
  peakBytes: number;
  estimateBytes: number;
  /** peakBytes ÷ estimateBytes. */
  ratio: number;
  status: string;
  quant: string;
  embeddings: 'f32' | 'f16';
  seqLen: number;
  checkpointing: boolean;
  estimate: { baseBytes: number; trainableBytes: number; activationBytes: number };
  /** Peak bytes of distinct live tensor buffers (any backend). */
  tensorPeakBytes: number;
  gpuAllocatedBytes: number | null;
  wasmHeapBytes: number | null;
  /** Peak V8 heap in use, sampled after every step. */
  jsHeapBytes: number;
  /** The process's peak resident memory. */
  rssPeakBytes: number;
}

/** Peak V8 heap, sampled by the caller (after every step and at the end). */
export class JsHeapPeak {
  bytes = 0;
  sample(): void {
    this.bytes = Math.max(this.bytes, process.memoryUsage().heapUsed);
  }
}

/** The measured peak per backend (see the file comment). */
export function backendPeakBytes(backend: CliBackend, peak: MemoryPeak): number {
  if (backend === 'webgpu') return peak.gpuBytes ?? 0;
  if (backend === 'wasm') return wasmHeapBytes() ?? 0;
  return peak.tensorBytes;
}

export function trainSummary(o: {
  backend: CliBackend;
  steps: number;
  status: string;
  peak: MemoryPeak;
  estimate: TrainingMemory;
  jsHeap: JsHeapPeak;
  settings: { quant: string; embeddings: 'f32' | 'f16'; seqLen: number; checkpointing: boolean };
}): TrainSummary {
  o.jsHeap.sample();
  const peakBytes = backendPeakBytes(o.backend, o.peak);
  const e = o.estimate;
  return {
    summary: true,
    steps: o.steps,
    backend: o.backend,
    peakBytes,
    estimateBytes: e.totalBytes,
    ratio: +(peakBytes / e.totalBytes).toFixed(4),
    status: o.status,
    ...o.settings,
    estimate: { baseBytes: e.baseBytes, trainableBytes: e.trainableBytes, activationBytes: e.activationBytes },
    tensorPeakBytes: o.peak.tensorBytes,
    gpuAllocatedBytes: o.peak.gpuAllocatedBytes,
    wasmHeapBytes: wasmHeapBytes(),
    jsHeapBytes: o.jsHeap.bytes,
    rssPeakBytes: process.resourceUsage().maxRSS * 1024,
  };
}
