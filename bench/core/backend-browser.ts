/**
 * Backend set-up inside the bench worker. The bench forces the backend it was asked for (the product's own
 * selection in src/backend prefers wasm over a software GPU; here we want to measure exactly what was named) and
 * describes the device so every result file says what it was measured on.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { tf } from '../../src/backend/tf';
import type { BackendName, DeviceInfo } from './types';

async function gpuAdapter(): Promise<DeviceInfo['adapter']> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) throw new Error('WebGPU: no adapter (is Chromium started with --enable-unsafe-webgpu?)');
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

async function initWebGpu(): Promise<DeviceInfo> {
  const adapter = await gpuAdapter();
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start the webgpu backend');
  await tf.ready();
  const software = adapter?.isFallbackAdapter || /swiftshader/i.test(`${adapter?.architecture} ${adapter?.vendor} ${adapter?.description}`);
  const name = [adapter?.vendor, adapter?.architecture, adapter?.description].filter(Boolean).join(' ');
  const label = software
    ? `WebGPU on SwiftShader (software Vulkan on the CPU), headless Chromium ${chromiumVersion()}`
    : `WebGPU on ${name}, headless Chromium ${chromiumVersion()}`;
  return { ...baseInfo(label), adapter };
}

async function initWasm(): Promise<DeviceInfo> {
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
  });
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not start the wasm backend');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const threads = threaded ? getThreadsCount() : 1;
  const label = `wasm${simd ? ' SIMD' : ''}, ${threads} thread${threads === 1 ? '' : 's'}, headless Chromium ${chromiumVersion()}`;
  return { ...baseInfo(label), wasm: { threads, simd: Boolean(simd) } };
}

/** Starts `backend` in this worker and describes the device. Throws when that backend cannot start. */
export async function initBrowserBackend(backend: BackendName): Promise<DeviceInfo> {
  if (backend === 'webgpu') return initWebGpu();
  if (backend === 'wasm') return initWasm();
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs could not start the cpu backend');
  await tf.ready();
  return baseInfo(`tfjs cpu (plain JS), headless Chromium ${chromiumVersion()}`);
}
