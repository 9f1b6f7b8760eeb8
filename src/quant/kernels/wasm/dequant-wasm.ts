/**
 * Loads the many-row kernels (`dequant-wat.ts`, assembled into `dequant-modules.generated.ts`) against a linear
 * memory, normally tfjs-backend-wasm's own, so they decode W and re-lay operands out where the tensors already are.
 * Null when the engine has no SIMD (the JS kernels stay in charge).
 */
import type { ModulePool, PoolModuleBuild } from '../../../backend/kernels/kernel-pool';
import { addPoolKernels } from '../../../backend/kernels/kernel-pool-start';
import { instantiateKernels, type WasmFlavour } from '../../../backend/kernels/wasm-kernel-module';
import { DEQUANT_MODULES } from './dequant-modules.generated';

/** Byte offsets of W's first row (words), its scales and the f32 output; then rows, bytes per row, groups per
 * row, bytes per group. Writes [rows, paddedIn] floats. */
type DequantFn = (
  ...args: [w: number, s: number, dst: number, rows: number, rowBytes: number, groups: number, groupBytes: number]
) => void;

/** dst[c·dstStride + r] = src[r·srcStride + c] (or +=) for r < rows, c < cols; byte offsets, strides in floats. */
type TransposeFn = (
  ...args: [src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number]
) => void;

/** What a loaded build exports. */
export interface DequantKernels {
  dequant_int8: DequantFn;
  dequant_int4: DequantFn;
  dequant_nf4: DequantFn;
  /** f16 to f32: byte offsets of the halves and the output, then the count of halves (a multiple of 8). */
  dequant_f16: (w: number, dst: number, halves: number) => void;
  transpose: TransposeFn;
  transpose_add: TransposeFn;
  /** The kernel pool's threads for this module (`kernel-pool-start.ts`), or null: the caller's thread only. */
  pool: ModulePool | null;
  /** The build instantiated, for the pool's workers. */
  readonly build: PoolModuleBuild;
}

const loaded = new WeakMap<WebAssembly.Memory, DequantKernels | null>();

/** The kernels bound to `memory` (instantiated once per memory), or null without SIMD. */
export function dequantKernels(memory: WebAssembly.Memory, prefer?: WasmFlavour): DequantKernels | null {
  if (!prefer && loaded.has(memory)) return loaded.get(memory) ?? null;
  const built = instantiateKernels<Omit<DequantKernels, 'pool' | 'build'>>(DEQUANT_MODULES, memory, prefer);
  const kernels = built
    ? {
        ...built.exports,
        pool: null,
        build: { bytes: built.bytes, exports: built.exports as unknown as WebAssembly.Exports },
      }
    : null;
  if (!prefer) {
    loaded.set(memory, kernels);
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    // Which build runs, in the performance timeline (DevTools shows it), as the GEMV loader marks its own.
    performance.mark(
      `lora-studio:wasm-dequant:${built ? `${shared ? 'shared' : 'unshared'}-${built.flavour}` : 'none'}`,
    );
  }
  return kernels;
}

addPoolKernels((memory) => dequantKernels(memory));
