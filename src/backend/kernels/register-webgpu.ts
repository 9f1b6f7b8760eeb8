/**
 * Our replacements for tfjs-backend-webgpu kernels: AddN (tfjs's binds more inputs than devices allow) and
 * BatchMatMul (few-row products, see `batch-mat-mul-webgpu.ts`; it wraps tfjs's kernel for everything else). The
 * package registers its own kernels when it is imported, and tfjs's registry keeps the last registration, so this
 * must run after that import: {@link initWebGpuBackend} calls it right after loading the package, before any webgpu
 * op runs.
 */
import { tf } from '../tf';
import { addNWebGpuConfig } from './add-n-webgpu';
import { batchMatMulWebGpuConfig } from './batch-mat-mul-webgpu';
import { unwrapKernels, wrapKernels, type WrapKernel } from './kernel-wrappers';

/** Kernels replaced outright, one line each. */
const OVERRIDES: tf.KernelConfig[] = [addNWebGpuConfig];

/** Kernels wrapped around tfjs's own, one line each. */
const WRAPPERS: Array<[kernelName: string, wrap: WrapKernel]> = [[tf.BatchMatMul, batchMatMulWebGpuConfig]];

/** Installs the overrides for backend 'webgpu' (idempotent). Call after importing tfjs-backend-webgpu. */
export function registerWebGpuKernelOverrides(): void {
  for (const config of OVERRIDES) {
    const current = tf.getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, config.backendName);
    tf.registerKernel(config);
  }
  wrapKernels('webgpu', WRAPPERS);
}

/** Puts tfjs's own wrapped kernels back (for before/after measurements). */
export function unregisterWebGpuKernelWrappers(): void {
  unwrapKernels(
    'webgpu',
    WRAPPERS.map(([name]) => name),
  );
}
