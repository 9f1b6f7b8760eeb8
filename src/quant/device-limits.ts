/**
 * Guards against silently allocating a GPU buffer larger than the device can bind. WebGPU rejects such a
 * binding only at dispatch time, with an error that does not name the layer; we check at load time instead.
 */
import { tf } from '../backend/tf';
import { currentGpuDevice } from '../backend/webgpu';

interface WithDevice {
  device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } };
}

/** The largest storage buffer the active backend can bind, or Infinity off WebGPU. */
export function maxStorageBindingBytes(): number {
  if (tf.getBackend() !== 'webgpu') return Infinity;
  // The device src/backend created; else (tfjs created its own) the one the backend instance holds.
  const limits = currentGpuDevice()?.limits ?? (tf.backend() as unknown as WithDevice).device?.limits;
  return Math.min(limits?.maxStorageBufferBindingSize ?? Infinity, limits?.maxBufferSize ?? Infinity);
}

/** Throws a clear error when a `bytes`-byte buffer for `what` would not fit in one storage binding. */
export function assertFitsDevice(bytes: number, what: string): void {
  const max = maxStorageBindingBytes();
  if (bytes > max) {
    throw new Error(
      `${what} needs a ${(bytes / 2 ** 20).toFixed(1)} MiB GPU buffer but this device binds at most ` +
        `${(max / 2 ** 20).toFixed(1)} MiB per buffer (maxStorageBufferBindingSize); choose a smaller quantization mode or model`,
    );
  }
}
