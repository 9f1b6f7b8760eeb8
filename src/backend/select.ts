/**
 * Backend choice for the engine. Auto: WebGPU on a real (hardware) adapter; on a software adapter (SwiftShader,
 * `isFallbackAdapter`) or none, the wasm backend, which is faster than software WebGPU; the pure-JS cpu backend
 * last. The user may force any backend; what we got and why is reported to the UI.
 */
import { tf } from './tf';
import type { AdapterReport, BackendPreference, BackendReport } from './report';
import { initWasmBackend, type WasmBinaryPaths } from './wasm';
import { initWebGpuBackend, releaseWebGpu } from './webgpu';
import { isSoftwareAdapter } from './adapter-kind';

export { BACKEND_PREFERENCES } from './report';
export { isSoftwareAdapter } from './adapter-kind';
export type { AdapterReport, BackendName, BackendPreference, BackendReport } from './report';

/** Environment the selection runs in; injectable so Node tests can pass the Dawn `GPU`. */
export interface SelectOptions {
  preference: BackendPreference;
  /** Where the wasm binaries are served. */
  wasmPaths: string | WasmBinaryPaths;
  /** `navigator.gpu` where available. */
  gpu?: GPU | null;
  crossOriginIsolated?: boolean;
  /** Cap on wasm threads (default: hardware concurrency, at most 8). */
  threads?: number;
}

/** Reads what the UI needs from an adapter. */
export function describeAdapter(adapter: GPUAdapter): AdapterReport {
  const info = adapter.info;
  const fallbackFlag = 'isFallbackAdapter' in adapter && adapter.isFallbackAdapter === true;
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    description: info.description,
    software: isSoftwareAdapter(info, fallbackFlag),
    limits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
    features: {
      shaderF16: adapter.features.has('shader-f16'),
      subgroups: adapter.features.has('subgroups'),
      timestampQuery: adapter.features.has('timestamp-query'),
    },
  };
}

/** Picks and initialises the backend; never throws (cpu always works), the report says what happened. */
export async function selectBackend(options: SelectOptions): Promise<BackendReport> {
  const attempts: BackendReport['attempts'] = [];
  const coi = options.crossOriginIsolated ?? false;
  const base = { preference: options.preference, crossOriginIsolated: coi, attempts };
  const probe =
    options.preference === 'auto' || options.preference === 'webgpu' ? await probeAdapter(options.gpu) : null;
  const adapter = probe?.adapter ? describeAdapter(probe.adapter) : null;

  if (probe?.adapter && adapter && (options.preference === 'webgpu' || !adapter.software)) {
    try {
      await initWebGpuBackend(probe.adapter);
      const why =
        options.preference === 'webgpu' ? 'WebGPU chosen by the user' : 'a hardware WebGPU adapter is available';
      return { ...base, backend: 'webgpu', reason: why, adapter, wasm: null, threads: 1 };
    } catch (e) {
      attempts.push({ backend: 'webgpu', error: errorText(e) });
    }
  }
  releaseWebGpu();
  const whyNotGpu = explainNoGpu(options.preference, probe, adapter, attempts);
  if (options.preference !== 'cpu') {
    try {
      const wasm = await initWasmBackend(options.wasmPaths, options.threads ?? defaultThreads(coi));
      if (wasm) return { ...base, backend: 'wasm', reason: whyNotGpu, adapter, wasm, threads: wasm.threads };
      attempts.push({ backend: 'wasm', error: 'tfjs could not initialise wasm' });
    } catch (e) {
      attempts.push({ backend: 'wasm', error: errorText(e) });
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  const reason =
    options.preference === 'cpu' ? 'cpu chosen by the user' : `${whyNotGpu}; wasm failed, using the slow cpu backend`;
  return { ...base, backend: 'cpu', reason, adapter, wasm: null, threads: 1 };
}

interface Probe {
  adapter: GPUAdapter | null;
  /** Why there is no adapter. */
  missing?: string;
}

async function probeAdapter(gpu: GPU | null | undefined): Promise<Probe> {
  if (!gpu) return { adapter: null, missing: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    return adapter ? { adapter } : { adapter: null, missing: 'WebGPU found no GPU adapter' };
  } catch (e) {
    return { adapter: null, missing: `WebGPU adapter request failed: ${errorText(e)}` };
  }
}

function explainNoGpu(
  preference: BackendPreference,
  probe: Probe | null,
  adapter: AdapterReport | null,
  attempts: BackendReport['attempts'],
): string {
  if (preference === 'wasm') return 'wasm chosen by the user';
  if (preference === 'cpu') return 'cpu chosen by the user';
  const failed = attempts.find((a) => a.backend === 'webgpu');
  const lead = preference === 'webgpu' ? 'WebGPU was requested but ' : '';
  if (failed) return `${lead}WebGPU failed to start (${failed.error}); using wasm`;
  if (probe?.missing) return `${lead}${probe.missing}; using wasm`;
  if (adapter?.software) return 'only a software WebGPU adapter (SwiftShader) is available, and wasm is faster';
  return 'using wasm';
}

function defaultThreads(coi: boolean): number {
  if (!coi) return 1;
  const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency ? navigator.hardwareConcurrency : 4;
  return Math.max(1, Math.min(8, cores));
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
