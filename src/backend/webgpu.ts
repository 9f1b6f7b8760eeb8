/**
 * WebGPU set-up: we request the adapter and device ourselves (rather than letting tfjs do it) so that we hold the
 * `GPUDevice` to watch for faults, ask for the adapter's full limits and shader-f16, and can report what we got.
 * Our WGSL kernels (src/quant) run on the same device through {@link currentGpuDevice}.
 */
import { lightenGradients } from './lighter-gradients';
import { tf } from './tf';
import { GpuWatch } from './gpu-watch';
import { registerWebGpuKernelOverrides } from './kernels/register-webgpu';

let active: { device: GPUDevice; watch: GpuWatch } | null = null;

/** The device the webgpu backend runs on, or null when another backend is active. */
export function currentGpuDevice(): GPUDevice | null {
  return active && tf.getBackend() === 'webgpu' ? active.device : null;
}

/** The fault watch of the current device, or null. */
export function currentGpuWatch(): GpuWatch | null {
  return active && tf.getBackend() === 'webgpu' ? active.watch : null;
}

/** Limits we ask for: everything the adapter offers for the ones that bound model size and kernel shapes. */
const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

/**
 * Creates a device on `adapter`, registers tfjs's webgpu backend on it, and makes it current.
 * Throws when the device cannot be created or tfjs cannot initialise on it.
 */
export async function initWebGpuBackend(adapter: GPUAdapter): Promise<GPUDevice> {
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // After the package's own registrations, which would otherwise win.
  registerWebGpuKernelOverrides();
  lightenGradients();
  const requiredFeatures: GPUFeatureName[] = [];
  for (const f of ['shader-f16', 'timestamp-query'] as const) {
    if (adapter.features.has(f)) requiredFeatures.push(f);
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  const info = adapter.info;
  releaseWebGpu();
  // The package registered a 'webgpu' factory that would request its own device; replace it with ours.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info), 3);
  if (!(await tf.setBackend('webgpu'))) {
    device.destroy();
    throw new Error('tfjs could not initialise its webgpu backend on this device');
  }
  await tf.ready();
  active = { device, watch: new GpuWatch(device) };
  return device;
}

/** Forgets the current device (after switching away from webgpu). The caller already moved tensors off it. */
export function releaseWebGpu(): void {
  if (!active) return;
  active.watch.dispose();
  active = null;
}
