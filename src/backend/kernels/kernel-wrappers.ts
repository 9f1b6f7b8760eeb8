/**
 * Registering our kernels around tfjs's own: tfjs keeps one kernel per (name, backend), so a wrapper replaces the
 * stock kernel in the registry and keeps it for its own fallbacks and for putting it back (the benches' "before").
 */
import { tf } from '../tf';

/** A registered wrapper and the stock config it falls back to. */
export interface KernelWrapper extends tf.KernelConfig {
  stock: tf.KernelConfig;
}

/** Builds the wrapper of one stock kernel. */
export type WrapKernel = (stock: tf.KernelConfig) => tf.KernelConfig;

export const isKernelWrapper = (config: tf.KernelConfig | undefined): config is KernelWrapper =>
  config !== undefined && (config as Partial<KernelWrapper>).stock !== undefined;

/** Registers `wrap(stock)` for each named kernel of `backendName` that is registered and not wrapped yet. */
export function wrapKernels(backendName: string, wrappers: ReadonlyArray<readonly [string, WrapKernel]>): void {
  for (const [name, wrap] of wrappers) {
    const current = tf.getKernel(name, backendName);
    if (!current || isKernelWrapper(current)) continue;
    const wrapper: KernelWrapper = { ...wrap(current), stock: current };
    tf.unregisterKernel(name, backendName);
    tf.registerKernel(wrapper);
  }
}

/** Puts the stock kernels of the named wrapped kernels back. */
export function unwrapKernels(backendName: string, names: readonly string[]): void {
  for (const name of names) {
    const current = tf.getKernel(name, backendName);
    if (!isKernelWrapper(current)) continue;
    tf.unregisterKernel(name, backendName);
    tf.registerKernel(current.stock);
  }
}
