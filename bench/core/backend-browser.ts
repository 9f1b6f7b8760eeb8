/**
 * Backend set-up inside the bench worker. The bench forces the backend it was asked for (the product's own
 * selection in src/backend prefers wasm over a software GPU; here we want to measure exactly what was named) and
 * describes the device so every result file says what it was measured on.
 */
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { tf } from '../../src/backend/tf';
import { initWasmBackend, wasmThreadSettings, type WasmThreadPool } from '../../src/backend/wasm';
import { initWebGpuBackend } from '../../src/backend/webgpu';
import type { BackendName, DeviceInfo } from './types';

async function gpuAdapter(): Promise<GPUAdapter> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
  if (!adapter) throw new Error('WebGPU: no adapter (is Chromium started with --enable-unsafe-webgpu?)');
  return adapter;
}

function describeAdapter(adapter: GPUAdapter): NonNullable<DeviceInfo['adapter']> {
  const info = adapter.info;
  const isFallbackAdapter = Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return { vendor: info.vendor, architecture: info.architecture, description: info.description, isFallbackAdapter };
}

function chromiumVersion(): string {
  return /Chrome\/([\d.]+)/.exec(navigator.userAgent)?.[1] ?? 'unknown';
}

function baseInfo(label: string): DeviceInfo {
  return {
    label,
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    host: 'browser-worker',
  };
}

/**
 * WebGPU as the studio starts it (src/backend/webgpu.ts): our device with the adapter's raised limits and
 * optional features, the kernel overrides (chunked AddN) and the GPU fault watch.
 */
async function initWebGpu(): Promise<DeviceInfo> {
  const gpuAdapterHandle = await gpuAdapter();
  await initWebGpuBackend(gpuAdapterHandle);
  const adapter = describeAdapter(gpuAdapterHandle);
  const software =
    adapter.isFallbackAdapter ||
    /swiftshader/i.test(`${adapter.architecture} ${adapter.vendor} ${adapter.description}`);
  const name = [adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ');
  const label = software
    ? `WebGPU on SwiftShader (software Vulkan on the CPU), headless Chromium ${chromiumVersion()}`
    : `WebGPU on ${name}, headless Chromium ${chromiumVersion()}`;
  return { ...baseInfo(label), adapter };
}

/**
 * wasm as the studio starts it (src/backend/wasm.ts): SIMD, and a thread per logical core (max 8) when the page is
 * cross-origin isolated — the same choice as src/backend/select.ts, so the bench measures what users get.
 * `asked` (bench --threads N) overrides it, for the 1-thread vs all-cores comparison. The device label reports
 * the count actually in use.
 */
async function initWasm(asked?: number, pool?: WasmThreadPool): Promise<DeviceInfo> {
  const paths = {
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  };
  const all = globalThis.crossOriginIsolated ? Math.max(1, Math.min(8, navigator.hardwareConcurrency || 4)) : 1;
  const threads = asked ?? all;
  if (pool) wasmThreadSettings.pool = pool;
  const info = await initWasmBackend(paths, threads);
  if (!info) throw new Error('tfjs could not start the wasm backend');
  const label = `wasm${info.simd ? ' SIMD' : ''}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${info.threads > 1 ? ` (${info.pool === 'ours' ? 'our kernel pool' : 'XNNPACK pool'})` : ''}, headless Chromium ${chromiumVersion()}`;
  return { ...baseInfo(label), wasm: { threads: info.threads, simd: info.simd } };
}

/** Starts `backend` in this worker and describes the device. Throws when that backend cannot start. */
export async function initBrowserBackend(
  backend: BackendName,
  threads?: number,
  pool?: WasmThreadPool,
): Promise<DeviceInfo> {
  if (backend === 'webgpu') return initWebGpu();
  if (backend === 'wasm') return initWasm(threads, pool);
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs could not start the cpu backend');
  await tf.ready();
  return baseInfo(`tfjs cpu (plain JS), headless Chromium ${chromiumVersion()}`);
}
