/**
 * Loads our GEMV kernels (`gemv-wat.ts`, assembled into `gemv-modules.generated.ts`) against a given linear
 * memory, normally tfjs-backend-wasm's own, so they read the packed weight, x and y where the tensors already are.
 * The build is picked per memory: shared or not as the memory is, relaxed SIMD when the engine validates it, else
 * plain SIMD; null when the engine has no SIMD at all (the JS kernels stay in charge).
 */
import { instantiateKernels, relaxedBuildValid, type WasmFlavour } from '../../../backend/kernels/wasm-kernel-module';
import { GEMV_MODULES } from './gemv-modules.generated';
import { Q8_GROUP_HEADER_BYTES } from './gemv-q8-wat';
import { Q8_LANE_ROWS, Q8_LANE_TABLE_BYTES } from './gemv-q8-lanes-wat';
import type { GroupSize } from '../../packed';
import type { ModulePool, PoolModuleBuild } from '../../../backend/kernels/kernel-pool';
import { addPoolKernels } from '../../../backend/kernels/kernel-pool-start';

/**
 * One kernel: byte offsets of W's words, its scales, the laid-out x and y; then out, bytes per row, groups per
 * row, bytes per group; then the per-group floats (int4 corrections from `prepareX`, or x's scales from
 * `prepareXq16`); multi-row kernels last take the bytes between rows of x, of those floats and of y.
 */
type GemvFn = (
  ...args: [
    w: number,
    s: number,
    x: number,
    y: number,
    out: number,
    rowBytes: number,
    groups: number,
    groupBytes: number,
    xs: number,
    xStride?: number,
    xsStride?: number,
    yStride?: number,
  ]
) => void;

/** A SIMD layout of x: byte offsets of x, the laid-out codes and the group scales, then groups and group size. */
type PrepareFn = (x: number, xq: number, xscales: number, groups: number, groupSize: number) => void;

/** The integer-dot kernels' exports (gemv-q16-wat.ts), 1 to 4 rows of x per call. */
export type Q16KernelName = `gemv_${Q16GemvMode}_q16_g${GroupSize}_r${1 | 2 | 3 | 4}`;
/**
 * The relaxed builds' 8-bit integer-dot int4 kernels: 1 to 4 rows of x per call (gemv-q8-wat.ts), and 4 rows with
 * one fold per group for all 4 (`r4l`, gemv-q8-lanes-wat.ts); each also with i32 dot-add sums (`r<R>d`, `r4ld`).
 */
export type Q8KernelName =
  | `gemv_int4_q8_g${GroupSize}_r${1 | 2 | 3 | 4}`
  | `gemv_int4_q8_g${GroupSize}_r${1 | 2 | 3 | 4}d`
  | `gemv_int4_q8_g${GroupSize}_r4l`
  | `gemv_int4_q8_g${GroupSize}_r4ld`;

/** What a loaded build exports. */
export type GemvKernels = {
  /** 'relaxed' or 'simd': which build is running. */
  readonly flavour: 'relaxed' | 'simd';
  /** The kernel pool's threads for this module (`kernel-pool-start.ts`); null: the caller alone. */
  pool: ModulePool | null;
  /** The build instantiated, for the pool's workers. */
  readonly build: PoolModuleBuild;
  gemv_int8: GemvFn;
  gemv_int4: GemvFn;
  gemv_nf4: GemvFn;
  /** x laid out for the 8-bit kernels, whole groups only (gemv-q8-wat.ts `prepareX8Func`). */
  prepare_x8: PrepareFn;
  /** x laid out for the 16-bit kernels, whole groups only (gemv-q16-wat.ts `prepareX16Func`). */
  prepare_x16_int8: PrepareFn;
  prepare_x16_int4: PrepareFn;
} & Record<Q16KernelName, GemvFn> &
  Partial<Record<Q8KernelName, GemvFn>>;

/** Modes the wasm kernels cover (f16 stays on the JS path). */
export type WasmGemvMode = 'int8' | 'int4' | 'nf4';
export const WASM_GEMV_MODES: readonly WasmGemvMode[] = ['int8', 'int4', 'nf4'];

const loaded = new WeakMap<WebAssembly.Memory, GemvKernels | null>();

/** Whether this engine compiles the relaxed-SIMD build (Chromium 114+; not Node 20). */
export function relaxedSimdSupported(): boolean {
  return relaxedBuildValid(GEMV_MODULES);
}

/**
 * The kernels bound to `memory` (instantiated once per memory), or null without SIMD. `prefer` forces a flavour
 * (tests compare both where the engine has both). The kernel pool attaches itself when it starts.
 */
export function gemvKernels(memory: WebAssembly.Memory, prefer?: WasmFlavour): GemvKernels | null {
  if (!prefer && loaded.has(memory)) return loaded.get(memory) ?? null;
  const built = instantiateKernels<Omit<GemvKernels, 'flavour' | 'pool' | 'build'>>(GEMV_MODULES, memory, prefer);
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const kernels: GemvKernels | null = built
    ? {
        flavour: built.flavour,
        pool: null,
        build: { bytes: built.bytes, exports: built.exports as unknown as WebAssembly.Exports },
        ...built.exports,
      }
    : null;
  if (!prefer) {
    loaded.set(memory, kernels);
    // Which build runs, in the performance timeline (DevTools shows it; the e2e suite reads it in the worker).
    performance.mark(
      `lora-studio:wasm-gemv:${kernels ? `${shared ? 'shared' : 'unshared'}-${kernels.flavour}` : 'none'}`,
    );
  }
  return kernels;
}

addPoolKernels((memory) => gemvKernels(memory));

/**
 * Lays x [inFeatures] out as the kernel reads it (see `gemv-wat.ts`), into `dst` [scratchFloats]: int8 in column
 * order, int4/nf4 as even-then-odd columns per 32-column block, int4 followed by 2·Σ x per group; zero past `inFeatures`
 * (padded codes are zero, but 0 · NaN garbage would not be).
 */
export function prepareX(
  mode: WasmGemvMode,
  x: Float32Array,
  xOffset: number,
  inFeatures: number,
  dst: Float32Array,
  paddedIn: number,
  groupSize: number,
): void {
  if (mode === 'int8') {
    dst.set(x.subarray(xOffset, xOffset + inFeatures));
    dst.fill(0, inFeatures, paddedIn);
    return;
  }
  for (let b = 0; b < paddedIn; b += 32) {
    for (let j = 0; j < 16; j++) {
      const even = b + 2 * j;
      const odd = even + 1;
      dst[b + j] = even < inFeatures ? x[xOffset + even] : 0;
      dst[b + 16 + j] = odd < inFeatures ? x[xOffset + odd] : 0;
    }
  }
  if (mode === 'nf4') return;
  for (let g = 0; g * groupSize < paddedIn; g++) {
    let sum = 0;
    for (let c = g * groupSize; c < Math.min((g + 1) * groupSize, inFeatures); c++) sum += x[xOffset + c];
    dst[paddedIn + g] = 2 * sum;
  }
}

/** Floats of the scratch `prepareX` fills: x laid out, plus the int4 per-group corrections. */
export function scratchFloats(mode: WasmGemvMode, paddedIn: number, groupSize: number): number {
  return mode === 'int4' ? paddedIn + paddedIn / groupSize : paddedIn;
}

/** Modes with an integer-dot kernel (nf4's levels are not integers). */
export type Q16GemvMode = 'int8' | 'int4';
export const isQ16Mode = (mode: WasmGemvMode): mode is Q16GemvMode => mode !== 'nf4';

/**
 * One group's scale for x quantized to ±`qMax`: writes max |x[from..to)| / qMax at `scales[at]` and returns the
 * factor qMax / max that takes x to codes (0 for an all-zero group). A NaN in x makes the scale NaN and the factor
 * 0, so the NaN reaches y through the scale.
 */
function groupScale(x: Float32Array, from: number, to: number, qMax: number, scales: Float32Array, at: number): number {
  let maxAbs = 0;
  for (let i = from; i < to; i++) {
    const a = Math.abs(x[i]);
    if (a > maxAbs || a !== a) maxAbs = a;
    if (maxAbs !== maxAbs) break;
  }
  scales[at] = maxAbs / qMax;
  return maxAbs > 0 ? qMax / maxAbs : 0;
}

/** Largest |xq|: with |code| ≤ 127 and groups ≤ 128 columns a group's i32 sum stays below 2³¹. */
const XQ_MAX = 32767;
/** Largest |xq| of the 8-bit kernels (symmetric, as llama.cpp's Q8_0). */
const XQ8_MAX = 127;

/**
 * x [inFeatures] quantized per weight group to 16-bit integers for the integer-dot kernels: `xq` [paddedIn] laid
 * out plane by plane per 16-byte word block (int8: 16 columns as [even | odd]; int4: 32 columns as
 * [4i | 4i + 1 | 4i + 2 | 4i + 3], see gemv-q16-wat.ts), `xscale` [groups] with x ≈ xscale[g] · xq. Zero past
 * `inFeatures`. `xqAt` and `xscaleAt` (elements) place both inside larger arrays, e.g. views of a whole heap. A NaN or ±∞ in a group makes its scale non-finite, so it reaches y as the exact kernel's would.
 */
export function prepareXq16(
  mode: Q16GemvMode,
  x: Float32Array,
  xOffset: number,
  inFeatures: number,
  xq: Int16Array,
  xscale: Float32Array,
  paddedIn: number,
  groupSize: number,
  xqAt = 0,
  xscaleAt = 0,
): void {
  // Column c = block + planes·i + k of a word block goes to xq[block + 8k + i] (plane k, lane i).
  const planes = mode === 'int4' ? 4 : 2;
  const blockCols = 8 * planes;
  for (let g = 0, start = 0; start < paddedIn; g++, start += groupSize) {
    const end = Math.min(start + groupSize, inFeatures);
    const toQ = groupScale(x, xOffset + start, xOffset + end, XQ_MAX, xscale, xscaleAt + g);
    for (let block = start; block < start + groupSize; block += blockCols) {
      if (block + blockCols <= end) {
        for (let k = 0; k < planes; k++) {
          const from = xOffset + block + k;
          const to = xqAt + block + 8 * k;
          for (let i = 0; i < 8; i++) xq[to + i] = Math.round(x[from + planes * i] * toQ);
        }
        continue;
      }
      // The group's ragged end: zero past inFeatures (padded codes are zero, but 0 · garbage would not be)
      for (let k = 0; k < planes; k++)
        for (let i = 0; i < 8; i++) {
          const c = block + planes * i + k;
          xq[xqAt + block + 8 * k + i] = c < end ? Math.round(x[xOffset + c] * toQ) : 0;
        }
    }
  }
}

/** Bytes of one row of x laid out for the 8-bit kernels: per group the 16-byte header, then the group's columns. */
export function xq8RowBytes(paddedIn: number, groupSize: number): number {
  return (paddedIn / groupSize) * (Q8_GROUP_HEADER_BYTES + groupSize);
}

/** Floats of scratch the lane-fold table needs past the scales (one block's table plus 16-byte alignment). */
export function q8LanesTableFloats(m: number, groups: number): number {
  return m >= Q8_LANE_ROWS ? (groups * Q8_LANE_TABLE_BYTES) / 4 + 4 : 0;
}

/**
 * The fold table of the 4-row lane-fold kernel (gemv-q8-lanes-wat.ts) for rows r0..r0+3 of x, from their
 * `prepareXq8` layouts at `xqAt + r · xStride` (bytes) and scales at `xscaleAt + r · groups` (elements): per group
 * [4 × xscale as f32, 4 × −8·Σxq as i32] at `tableAt` (bytes, a multiple of 16).
 */
export function q8LanesTable(
  heap: { f32: Float32Array; i32: Int32Array },
  rows: { xqAt: number; xStride: number; xscaleAt: number },
  groups: number,
  groupSize: number,
  tableAt: number,
): void {
  const groupBytes = Q8_GROUP_HEADER_BYTES + groupSize;
  const t = tableAt >> 2;
  for (let r = 0; r < Q8_LANE_ROWS; r++) {
    const xs = rows.xscaleAt + r * groups;
    const header = (rows.xqAt + r * rows.xStride) >> 2;
    for (let g = 0; g < groups; g++) {
      heap.f32[t + 8 * g + r] = heap.f32[xs + g];
      heap.i32[t + 8 * g + 4 + r] = heap.i32[header + (g * groupBytes) / 4];
    }
  }
}

/**
 * x [inFeatures] quantized per weight group to 8-bit integers for the relaxed int4 kernels (gemv-q8-wat.ts): into
 * `xq` (a row of `xq8RowBytes`, 4-byte aligned; `xqWords` is the same memory as i32) per group the header
 * [−8·Σxq, 0, 0, 0] as i32 then the columns per 32-column block as [16 even | 16 odd] i8; `xscale` [groups] with
 * x ≈ xscale[g] · xq. Zero past `inFeatures`. `xqAt` (bytes, a multiple of 16) and `xscaleAt` (elements) place
 * both inside larger arrays, e.g. views of a whole heap. A NaN or ±∞ in a group makes its scale non-finite, so it reaches y
 * as the exact kernel's would.
 */
export function prepareXq8(
  x: Float32Array,
  xOffset: number,
  inFeatures: number,
  xq: Int8Array,
  xqWords: Int32Array,
  xscale: Float32Array,
  paddedIn: number,
  groupSize: number,
  xqAt = 0,
  xscaleAt = 0,
): void {
  const groupBytes = Q8_GROUP_HEADER_BYTES + groupSize;
  for (let g = 0, start = 0; start < paddedIn; g++, start += groupSize) {
    const end = Math.min(start + groupSize, inFeatures);
    const toQ = groupScale(x, xOffset + start, xOffset + end, XQ8_MAX, xscale, xscaleAt + g);
    const at = xqAt + g * groupBytes + Q8_GROUP_HEADER_BYTES;
    let sum = 0;
    for (let block = start; block < start + groupSize; block += 32) {
      const to = at + (block - start);
      for (let j = 0; j < 16; j++) {
        const even = block + 2 * j;
        const qe = even < end ? Math.round(x[xOffset + even] * toQ) : 0;
        const qo = even + 1 < end ? Math.round(x[xOffset + even + 1] * toQ) : 0;
        xq[to + j] = qe;
        xq[to + 16 + j] = qo;
        sum += qe + qo;
      }
    }
    const header = (xqAt + g * groupBytes) >> 2;
    xqWords[header] = -8 * (sum | 0);
    xqWords[header + 1] = 0;
    xqWords[header + 2] = 0;
    xqWords[header + 3] = 0;
  }
}
