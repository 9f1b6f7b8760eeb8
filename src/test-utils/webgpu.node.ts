/**
 * WebGPU in Node for tests: Dawn through the `webgpu` package, on SwiftShader when no GPU is present
 * (VK_ICD_FILENAMES points at Chromium's SwiftShader ICD). ~1 GFLOP/s there, so tests keep shapes tiny.
 * The device is made by src/backend's initWebGpuBackend, as in the studio: the adapter's raised limits, our
 * kernel overrides (chunked AddN) and the GPU fault watch.
 */
import { tf } from '../backend/tf';
import { initWebGpuBackend } from '../backend/webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let ready: Promise<boolean> | null = null;

/** Dawn's `navigator.gpu` in Node (SwiftShader unless VK_ICD_FILENAMES names another driver), installed globally. */
export async function nodeGpu(): Promise<GPU> {
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}

/** Switches tfjs to the webgpu backend; resolves false when no adapter can be created. */
export function initNodeWebGpu(): Promise<boolean> {
  ready ??= (async () => {
    const adapter = await (await nodeGpu()).requestAdapter();
    if (!adapter) return false;
    try {
      await initWebGpuBackend(adapter);
      return true;
    } catch {
      return false;
    }
  })();
  return ready.then(async (ok) => ok && (await tf.setBackend('webgpu')));
}

/**
 * `adapter` as initWebGpuBackend sees it, with some limits lowered (e.g. maxStorageBufferBindingSize to 128 MiB,
 * what many GPUs allow, where SwiftShader offers 1 GiB): the device it creates really enforces them.
 */
export function cappedAdapter(adapter: GPUAdapter, caps: Record<string, number>): GPUAdapter {
  const limits = new Proxy(adapter.limits, {
    get: (t, k: string) => (k in caps ? caps[k] : (t as unknown as Record<string, number>)[k]),
  });
  return {
    features: adapter.features,
    info: adapter.info,
    limits,
    requestDevice: (d?: GPUDeviceDescriptor) => adapter.requestDevice(d),
  } as unknown as GPUAdapter;
}
