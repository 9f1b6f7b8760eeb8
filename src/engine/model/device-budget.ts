/**
 * What the device can hold, as far as a browser tells: WebGPU exposes buffer limits but no memory size, so the
 * budget comes from `navigator.deviceMemory` (rounded, capped at 8 GiB by browsers) there, and from wasm32's
 * 4 GiB heap on wasm. The Model section shows each quantization's size against it.
 */
import { tf } from '../../backend/tf';
import { maxStorageBindingBytes } from '../../quant/device-limits';
import type { DeviceBudget } from '../../protocol/model-types';

const GIB = 2 ** 30;
const WASM_HEAP = 4 * GIB;

/** The current backend's budget. */
export function deviceBudget(): DeviceBudget {
  const backend = tf.getBackend() ?? 'none';
  const nav = typeof navigator === 'undefined' ? null : (navigator as Navigator & { deviceMemory?: number });
  const deviceMemory = typeof nav?.deviceMemory === 'number' ? nav.deviceMemory * GIB : null;
  if (backend === 'webgpu') {
    const max = maxStorageBindingBytes();
    return {
      backend,
      maxBufferBytes: Number.isFinite(max) ? max : null,
      budgetBytes: deviceMemory,
      note: deviceMemory
        ? 'The browser reports about this much memory (it rounds and caps at 8 GiB); the GPU may hold more.'
        : 'The browser does not say how much GPU memory there is; watch the status bar while loading.',
    };
  }
  if (backend === 'wasm') {
    return {
      backend,
      maxBufferBytes: null,
      budgetBytes: Math.min(WASM_HEAP, deviceMemory ?? WASM_HEAP),
      note: 'The wasm backend holds everything in one 4 GiB WebAssembly heap.',
    };
  }
  return { backend, maxBufferBytes: null, budgetBytes: deviceMemory, note: 'JavaScript heap of this tab.' };
}
