/**
 * WebGPU in Node for tests: Dawn through the `webgpu` package, on SwiftShader when no GPU is present
 * (VK_ICD_FILENAMES points at Chromium's SwiftShader ICD). ~1 GFLOP/s there, so tests keep shapes tiny.
 */
import { tf } from '../backend/tf';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let ready: Promise<boolean> | null = null;

/** Switches tfjs to the webgpu backend; resolves false when no adapter can be created. */
export function initNodeWebGpu(): Promise<boolean> {
  ready ??= (async () => {
    process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    try {
      return await tf.setBackend('webgpu');
    } catch {
      return false;
    }
  })();
  return ready.then(async (ok) => ok && (await tf.setBackend('webgpu')));
}
