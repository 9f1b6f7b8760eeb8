/**
 * Our replacements for tfjs-backend-webgpu kernels that misbehave on real devices. The package registers its own
 * kernels when it is imported, and tfjs's registry keeps the last registration, so this must run after that
 * import: {@link initWebGpuBackend} calls it right after loading the package, before any webgpu op runs.
 */
import { tf } from '../tf';
import { addNWebGpuConfig } from './add-n-webgpu';

/** Every override, one line each. */
const OVERRIDES: tf.KernelConfig[] = [addNWebGpuConfig];

/** Installs the overrides for backend 'webgpu' (idempotent). Call after importing tfjs-backend-webgpu. */
export function registerWebGpuKernelOverrides(): void {
  for (const config of OVERRIDES) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
}
