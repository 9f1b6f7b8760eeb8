/**
 * Loads the few-row f32 product kernels (`rows-matmul-wat.ts`, assembled into `rows-matmul-modules.generated.ts`)
 * against tfjs-wasm's heap, once per memory; null without wasm SIMD (the override's other routes stay in charge).
 */
import { ROWS_MATMUL_MODULES } from './rows-matmul-modules.generated';
import { backendMemory, readWasmInternals, type WasmBackendInternals } from './wasm-heap-views';
import type { ModulePool, PoolModuleBuild } from './kernel-pool';
import { addPoolKernels } from './kernel-pool-start';
import { instantiateKernels, type WasmFlavour } from './wasm-kernel-module';

/** An f32 product of few rows: byte offsets of a, b and c, then m, k, n in elements. */
type RowsMatMulFn = (a: number, b: number, c: number, m: number, k: number, n: number) => void;

export interface RowsMatMulKernels {
  readonly flavour: WasmFlavour;
  /** The kernel pool's threads for this module (`kernel-pool-start.ts`), or null: the caller's thread only. */
  pool: ModulePool | null;
  /** The build instantiated, for the pool's workers. */
  readonly build: PoolModuleBuild;
  /** c [m, n] = a [m, k] · b [n, k]ᵀ. */
  mm_nt: RowsMatMulFn;
  /** c [m, n] = a [m, k] · b [k, n]. */
  mm_nn: RowsMatMulFn;
  /** c [m, n] = a [m, k] · b [k, n] for many rows, 4 × 8 register tiles; byte offsets, then m, k, n, the row
   * strides of a, b and c in floats, 16-byte-aligned scratch for k × 8 floats (k × n with flags bit 0, rowsOuter:
   * a's tiles outside, for an a bigger than b; bit 1 with it: b is packed in the scratch already). */
  gemm_nn: (
    ...args: [
      a: number,
      b: number,
      c: number,
      m: number,
      k: number,
      n: number,
      lda: number,
      ldb: number,
      ldc: number,
      pack: number,
      flags: number,
    ]
  ) => void;
  /** dst[c·dstStride + r] = src[r·srcStride + c] for r < rows, c < cols: byte offsets, strides in floats. */
  transpose: (src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number) => void;
}

const loaded = new WeakMap<WebAssembly.Memory, RowsMatMulKernels | null>();

/** The kernels bound to `memory` (once per memory; `prefer` forces a flavour and is not cached), or null. */
export function rowsMatMulKernels(memory: WebAssembly.Memory, prefer?: WasmFlavour): RowsMatMulKernels | null {
  if (!prefer && loaded.has(memory)) return loaded.get(memory) ?? null;
  const built = instantiateKernels<Omit<RowsMatMulKernels, 'flavour' | 'pool' | 'build'>>(
    ROWS_MATMUL_MODULES,
    memory,
    prefer,
  );
  const build = built && { bytes: built.bytes, exports: built.exports as unknown as WebAssembly.Exports };
  const kernels = built && build ? { flavour: built.flavour, pool: null, build, ...built.exports } : null;
  if (!prefer) loaded.set(memory, kernels);
  return kernels;
}

/** The wasm backend's internals, its heap and the kernels bound to it; null when any is missing. */
export function boundRowsKernels(
  backend: object,
): { b: WasmBackendInternals; memory: WebAssembly.Memory; kernels: RowsMatMulKernels } | null {
  const b = readWasmInternals(backend);
  const memory = b ? backendMemory(b) : null;
  const kernels = memory ? rowsMatMulKernels(memory) : null;
  return b && memory && kernels ? { b, memory, kernels } : null;
}

/** The kernels bound to this wasm backend's heap, or null (not tfjs-wasm 4.x, or no SIMD). */
export function rowsKernelsForBackend(backend: object): RowsMatMulKernels | null {
  return boundRowsKernels(backend)?.kernels ?? null;
}

addPoolKernels((memory) => rowsMatMulKernels(memory));
