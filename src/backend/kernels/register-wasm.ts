/**
 * Our wrappers around tfjs-backend-wasm kernels (fast transposed and batched matMuls, see `batch-mat-mul-wasm.ts`;
 * Slice and SplitV without copying the whole input, see `slice-wasm.ts`).
 * The package registers its kernels when it is imported and tfjs's registry keeps one kernel per name, so this
 * runs after that import: `initWasmBackend` (browser, worker) and `initNodeBackend('wasm')` call it once the
 * backend is up. Each wrapper keeps the stock kernel it replaced, for its own fallbacks and for
 * {@link unregisterWasmKernelOverrides} (the bench's "before" figures).
 */
import { tf } from '../tf';
import { batchMatMulWasmConfig } from './batch-mat-mul-wasm';
import { fusedMatMulWasmConfig } from './fused-mat-mul-wasm';
import { registerGenerationOps } from './generation-ops-wasm';
import { registerDecodeAttention } from './decode-attention-wasm';
import { registerLowRankAdd } from './low-rank-add-wasm';
import { registerAdamW } from './adamw-wasm';
import { registerRope } from './rope-wasm';
import { registerLoraDelta } from './lora-delta-wasm';
import { registerRmsNorm } from './rms-norm-wasm';
import { registerScaleAll } from './scale-all-wasm';
import { sliceWasmConfig, splitVWasmConfig } from './slice-wasm';
import { castWasmConfig, identityWasmConfig } from './identity-wasm';
import { readWasmInternals } from './wasm-heap-views';
import { isKernelWrapper, unwrapKernels, wrapKernels } from './kernel-wrappers';

type OverrideFactory = (stock: tf.KernelConfig, transpose: tf.KernelConfig) => tf.KernelConfig;

/** Every override, one line each. */
const FACTORIES: Array<[kernelName: string, make: OverrideFactory]> = [
  ['BatchMatMul', batchMatMulWasmConfig],
  ['_FusedMatMul', fusedMatMulWasmConfig],
  ['Slice', sliceWasmConfig],
  ['SplitV', splitVWasmConfig],
  ['Identity', identityWasmConfig],
  ['Cast', castWasmConfig],
];

/**
 * Installs the overrides for backend 'wasm' (idempotent). Returns false, changing nothing, when the wasm kernels
 * are not registered or the live wasm backend lacks the internals the overrides rely on (another tfjs version).
 */
export function registerWasmKernelOverrides(): boolean {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) return false;
  if (tf.findBackend('wasm') && !readWasmInternals(tf.findBackend('wasm'))) return false;
  wrapKernels(
    'wasm',
    FACTORIES.map(([name, make]) => [name, (stock: tf.KernelConfig) => make(stock, transpose)] as const),
  );
  registerGenerationOps();
  registerDecodeAttention();
  registerLowRankAdd();
  registerAdamW();
  registerRope();
  registerLoraDelta();
  registerRmsNorm();
  registerScaleAll();
  return true;
}

/** Puts tfjs's own kernels back (for before/after measurements). */
export function unregisterWasmKernelOverrides(): void {
  unwrapKernels(
    'wasm',
    FACTORIES.map(([name]) => name),
  );
}

/** Runs `f` with tfjs's own wasm kernels, then registers ours again (tests and benches compare the two). */
export function withStockWasmKernels<T>(f: () => T): T {
  unregisterWasmKernelOverrides();
  try {
    return f();
  } finally {
    registerWasmKernelOverrides();
  }
}

/** True while our wasm matMul overrides are registered. */
export function wasmKernelOverridesActive(): boolean {
  return FACTORIES.every(([name]) => isKernelWrapper(tf.getKernel(name, 'wasm')));
}

/** tfjs's own wasm kernel `name` (what an override wraps), whether or not the override is registered. */
export function stockWasmKernel(name: string): tf.KernelConfig | undefined {
  const current = tf.getKernel(name, 'wasm');
  return isKernelWrapper(current) ? current.stock : current;
}
