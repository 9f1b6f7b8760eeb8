/**
 * Test set-up: tfjs's webgpu backend in Node on Dawn (the `webgpu` package). On machines without a GPU, Dawn
 * runs on SwiftShader's Vulkan driver shipped with Debian's Chromium. Fails loudly, never skips: a kernel test
 * that silently did not run would prove nothing.
 */
import { initWebGpuBackend } from '../backend/webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface DawnOptions {
  /**
   * `swiftshader` (tests, CI) selects SwiftShader unless VK_ICD_FILENAMES is already set; `system` leaves the
   * Vulkan loader to find the machine's GPU driver (benchmarks on real hardware).
   */
  driver?: 'swiftshader' | 'system';
  /**
   * Turns off Dawn's zero-initialization of workgroup memory (`disable_workgroup_init`). Under SwiftShader that
   * initialization dominates pipeline compilation (measured: the tiled quant program 1.5 s → 0.1 s of CPU). Our
   * kernels write every workgroup element before reading it, so their tests are only stricter without it:
   * a read of unwritten memory would show up as garbage instead of a silent zero.
   */
  skipWorkgroupZeroInit?: boolean;
}

/** Makes 'webgpu' the active tfjs backend on a Dawn device; resolves to the adapter description. */
export async function initDawnWebGpu(opts: DawnOptions = {}): Promise<string> {
  if ((opts.driver ?? 'swiftshader') === 'swiftshader') process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create(opts.skipWorkgroupZeroInit ? ['enable-dawn-features=disable_workgroup_init'] : []);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new Error(
      `Dawn could not create a WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}). ` +
        'Install Debian chromium (SwiftShader Vulkan ICD) and libvulkan1, or point VK_ICD_FILENAMES at a Vulkan driver.',
    );
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  await initWebGpuBackend(adapter);
  const info = adapter.info;
  return `${info.vendor} ${info.architecture} ${info.description}`.trim();
}
