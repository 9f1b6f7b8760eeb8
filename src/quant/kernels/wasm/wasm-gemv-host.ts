/**
 * The few-row path of QuantMatMul on the wasm backend through our SIMD GEMVs (M ≤ `maxRows[mode]` with x in f32,
 * one GEMV per row; in generation x as integers, up to 4 rows per call: 8-bit for int4 where relaxed SIMD runs,
 * M ≤ `x8MaxRows`, else 16-bit, M ≤ `quantizedMaxRows`), in place on tfjs-wasm's heap: the packed words, scales and
 * y are the tensors themselves, only x is re-laid out, into the backend's scratch region (heap-scratch.ts). Returns
 * false when the mode or the backend is not covered, and the caller runs the JS kernel instead.
 */
import type { tf } from '../../../backend/tf';
import { heapArrays, heapScratch, type HeapArrays } from '../../../backend/kernels/heap-scratch';
import {
  backendMemory,
  heapOffset,
  readWasmInternals,
  type WasmBackendInternals,
} from '../../../backend/kernels/wasm-heap-views';
import { inGeneration } from '../../../backend/generation-scope';
import { chunkCount, kernelPoolSettings, splitRange } from '../../../backend/kernels/kernel-pool';
import type { QuantKernelAttrs } from '../names';
import { packedLayout, type PackedLayout } from '../../packed';
import {
  gemvKernels,
  isQ16Mode,
  prepareX,
  prepareXq16,
  prepareXq8,
  scratchFloats,
  xq8RowBytes,
  q8LanesTable,
  q8LanesTableFloats,
  type GemvKernels,
  type Q16GemvMode,
  type WasmGemvMode,
} from './gemv-wasm';
import { Q16_MAX_ROWS } from './gemv-q16-wat';
import { Q8_MAX_ROWS } from './gemv-q8-wat';
import { Q8_LANE_ROWS } from './gemv-q8-lanes-wat';
import { useQ8DotAdd } from './q8-dot-add-choice';
import { q16KernelName, q8KernelName, type GemvKernelName } from './gemv-kernel-names';

/** Switch for tests and benches: false runs the JS kernel on wasm too. */
export const wasmGemvSettings = {
  enabled: true,
  /**
   * Rows up to which the forward (x in f32) runs one GEMV per row rather than decoding W into blocks for XNNPACK
   * (wasm-gemm-host.ts). Since that decode is a SIMD kernel too, the block path wins from M = 4 for int4/nf4 and
   * M = 8 for int8 (QuantMatMul through runKernel, SmolLM2-135M shapes, Node, 1 thread: int4 [1536, 576] at M = 4
   * 0.89 ms against 1.36; bench/README.md, "packed base's many-row products").
   */
  maxRows: { int8: 4, int4: 2, nf4: 2 } as Record<WasmGemvMode, number>,
  /**
   * The same limit for the integer-dot kernels (x quantized, blocks of up to 4 rows of x). Measured
   * (`bench/profile/gemv-rows-wasm.node.ts`, SmolLM2-135M's MLP shapes, Node, 1 thread) against the exact path
   * (the f32-x GEMV, then the SIMD-decoded blocks): 1.7–3.2× faster at M = 1..8, 1.15–1.6× at 16, 0.90–1.47×
   * at 32 (int4 [576, 1536] loses there).
   */
  quantizedMaxRows: 16,
  /**
   * When int8/int4 GEMVs quantize x to 16-bit integers per weight group and run integer dot products (≤ 2.2·10⁻⁵
   * of the largest |y| off x·dequant(W)ᵀ, 2–3× faster; see gemv-q16-wat.ts) instead of keeping x in floats
   * (x·dequant(W)ᵀ to float rounding): 'generation' inside a generation forward only (backend/generation-scope.ts),
   * 'always', or 'never'. nf4 always keeps x in floats.
   */
  quantizeX: 'generation' as 'generation' | 'always' | 'never',
  /**
   * Whether a quantized-x int4 GEMV takes x as 8-bit integers where the relaxed-SIMD build runs (Chromium 114+):
   * llama.cpp's Q4_0 × Q8_0 rounding (1 part in 254 of a group's largest |x|) for 16 multiply-adds per
   * instruction (gemv-q8-wat.ts), 1.35× the 16-bit kernel's speed (SmolLM2-135M shapes, Node with relaxed SIMD).
   * Off: the 16-bit kernel everywhere.
   */
  int4X8: true,
  /**
   * Rows of x the 8-bit kernels take per call; more rows run as several calls, so a prompt of any length prefills
   * through them (the scratch holds this many rows). With the 4-row lane-fold kernel they run at 0.027–0.040 ns per
   * multiply-add at M = 128..512 against the exact path's 0.053–0.073, 1.8–2.4× (SmolLM2-135M's MLP shapes, Node
   * with relaxed SIMD, one thread).
   */
  x8MaxRows: 128,
  /**
   * Blocks of 4 rows with x as 8-bit integers run the kernel that folds each group once for all 4 rows
   * (gemv-q8-lanes-wat.ts) instead of once per row.
   */
  x8Lanes: true,
  /**
   * Whether the 8-bit kernels sum with i32 dot-adds (`r4ld`, `r<R>d`) instead of i16 dots: 'probe' decides once per
   * engine (`q8-dot-add-choice.ts`: used only where exact and faster); true/false force it (A/B runs).
   */
  x8DotAdd: 'probe' as 'probe' | boolean,
  /** Lay x out for the integer-dot kernels in wasm SIMD where its groups are whole (false: the JS `prepareXq8/16`). */
  simdPrepareX: true,
  /** GEMVs run by the wasm kernels (tests check the path ran). */ calls: 0,
  /** Of those, the ones that quantized x (tests check the setting took). */ quantizedCalls: 0,
  /** Of those, the ones with x as 8-bit integers (relaxed SIMD, int4). */ x8Calls: 0,
  /** Blocks of 4 rows run by the lane-fold kernel (tests check it ran). */ x8LaneBlocks: 0,
};

/** The backend's internals, its heap and the kernels bound to that heap; null when any is missing. */
function boundKernels(
  backend: object,
): { b: WasmBackendInternals; memory: WebAssembly.Memory; kernels: GemvKernels } | null {
  const b = readWasmInternals(backend);
  const memory = b ? backendMemory(b) : null;
  const kernels = memory ? gemvKernels(memory) : null;
  return b && memory && kernels ? { b, memory, kernels } : null;
}

/** The kernels bound to this backend's heap, or null (not tfjs-wasm 4.x, or no SIMD). */
export function kernelsForBackend(backend: object): GemvKernels | null {
  return boundKernels(backend)?.kernels ?? null;
}

/** Where the operands are in the heap, and the layout of W. */
interface GemvCall {
  kernels: GemvKernels;
  heap: HeapArrays;
  a: QuantKernelAttrs;
  l: PackedLayout;
  m: number;
  xOff: number;
  wOff: number;
  sOff: number;
  yOff: number;
  /** Byte offset of the call's scratch (x laid out or quantized). */
  scratchOff: number;
}

/**
 * y [m, out] = x [m, in] · Wᵀ through the wasm kernels; false (nothing written) when they do not apply: f16, no
 * SIMD, not tfjs-wasm, or more rows than the chosen kernel's limit (`maxRows`, or `quantizedMaxRows` with x
 * quantized), where the caller's block path is faster. The scratch is the backend's persistent region
 * (heap-scratch.ts), or a transient tensor from `alloc` where the backend exposes no allocator.
 */
export function wasmGemv(
  backend: object,
  a: QuantKernelAttrs,
  inputs: { x: tf.TensorInfo; words: tf.TensorInfo; scales?: tf.TensorInfo },
  y: tf.TensorInfo,
  alloc: (shape: number[]) => tf.TensorInfo,
  dispose: (t: tf.TensorInfo) => void,
): boolean {
  if (!wasmGemvSettings.enabled || a.mode === 'f16' || !inputs.scales) return false;
  const mode: WasmGemvMode = a.mode;
  const { quantizeX } = wasmGemvSettings;
  // The mode when x goes in as 16-bit integers, else null.
  const q16 =
    isQ16Mode(mode) && (quantizeX === 'always' || (quantizeX === 'generation' && inGeneration())) ? mode : null;
  const m = inputs.x.shape[0];
  const bound = boundKernels(backend);
  if (!bound) return false;
  const x8 = q16 === 'int4' && wasmGemvSettings.int4X8 && bound.kernels.gemv_int4_q8_g32_r1 !== undefined;
  const limit = x8
    ? wasmGemvSettings.x8MaxRows
    : q16
      ? wasmGemvSettings.quantizedMaxRows
      : wasmGemvSettings.maxRows[mode];
  // The 8-bit kernels take any number of rows, `limit` at a time (the scratch holds that many); the others stop there
  if (m > limit && !x8) return false;
  const chunk = Math.min(m, limit);
  const l = packedLayout(mode, a.inFeatures, a.groupSize);
  // x8: per row the 8-bit layout (xq8RowBytes), then per row one f32 scale per group; q16: the same with xq
  // [paddedIn] as i16; f32: one row's x laid out (+ int4 group corrections), reused row after row
  const floats = x8
    ? chunk * (xq8RowBytes(l.paddedIn, a.groupSize) / 4 + l.groupsPerRow) + q8LanesTableFloats(chunk, l.groupsPerRow)
    : q16
      ? m * (l.paddedIn / 2 + l.groupsPerRow)
      : scratchFloats(mode, l.paddedIn, a.groupSize);
  const { b, memory, kernels } = bound;
  const region = heapScratch(b, floats * 4);
  const scratch = region === null ? alloc([floats]) : null;
  try {
    const call: GemvCall = {
      kernels,
      // After the last allocation of the call: growing the heap replaces its buffer
      heap: heapArrays(memory),
      a,
      l,
      m,
      scratchOff: region ?? heapOffset(b, scratch!),
      xOff: heapOffset(b, inputs.x),
      wOff: heapOffset(b, inputs.words),
      sOff: heapOffset(b, inputs.scales),
      yOff: heapOffset(b, y),
    };
    if (!q16) runFloatX(call, mode);
    // Rows [r0, r0 + chunk) of x and y at a time
    const [xOff, yOff] = [call.xOff, call.yOff];
    for (let r0 = 0; q16 && r0 < m; r0 += chunk) {
      call.m = Math.min(chunk, m - r0);
      call.xOff = xOff + 4 * r0 * a.inFeatures;
      call.yOff = yOff + 4 * r0 * a.outFeatures;
      runIntegerX(call, q16, x8);
    }
  } finally {
    if (scratch) dispose(scratch);
  }
  wasmGemvSettings.calls++;
  if (q16) wasmGemvSettings.quantizedCalls++;
  if (x8 && wasmGemvSettings.x8Calls++ === 0) performance.mark('lora-studio:wasm-gemv:x8'); // the e2e suite reads it
  return true;
}

/**
 * x quantized row by row — as 8-bit integers for the relaxed int4 kernels (`x8`), else as 16-bit ones — laid out by
 * our SIMD kernel where x's groups are whole (the JS layouts cost as much as the GEMV at decode sizes), then the
 * multi-row integer-dot kernels over blocks of up to 4 rows.
 */
function runIntegerX(c: GemvCall, mode: Q16GemvMode, x8: boolean): void {
  const { a, l, m, scratchOff, heap } = c;
  const g = a.groupSize;
  const xStride = x8 ? xq8RowBytes(l.paddedIn, g) : l.paddedIn * 2;
  const xsStride = l.groupsPerRow * 4;
  const xsOff = scratchOff + m * xStride; // [m, groups] x's scales after the [m] laid-out rows
  const simd = a.inFeatures % g === 0 && wasmGemvSettings.simdPrepareX;
  const prepare = x8 ? c.kernels.prepare_x8 : c.kernels[`prepare_x16_${mode}`];
  for (let r = 0; r < m; r++) {
    // Byte offsets of row r's x, its laid-out codes and its group scales
    const xAt = c.xOff + 4 * r * a.inFeatures;
    const xqAt = scratchOff + r * xStride;
    const xsAt = xsOff + r * xsStride;
    if (simd) prepare(xAt, xqAt, xsAt, l.groupsPerRow, g);
    else if (x8)
      prepareXq8(heap.f32, xAt / 4, a.inFeatures, heap.i8, heap.i32, heap.f32, l.paddedIn, g, xqAt, xsAt / 4);
    else prepareXq16(mode, heap.f32, xAt / 4, a.inFeatures, heap.i16, heap.f32, l.paddedIn, g, xqAt / 2, xsAt / 4);
  }
  const groupBytes = (g / l.codesPerWord) * 4;
  const maxRows = x8 ? Q8_MAX_ROWS : Q16_MAX_ROWS;
  // Past the scales, 16-byte aligned: the lane-fold kernel's table for one block of 4 rows, rewritten per block
  const tableOff = Math.ceil((xsOff + m * xsStride) / 16) * 16;
  // The 8-bit kernels' dot-add forms where this engine runs them right and faster (the same y either way)
  const dotAdd = x8 && (wasmGemvSettings.x8DotAdd === 'probe' ? useQ8DotAdd() : wasmGemvSettings.x8DotAdd);
  for (let r = 0; r < m; r += maxRows) {
    const rows = Math.min(maxRows, m - r) as 1 | 2 | 3 | 4;
    const xqAt = scratchOff + r * xStride;
    const xsAt = xsOff + r * xsStride;
    // A block of 4 rows with 8-bit x folds each group once for all 4, reading the table instead of x's scales
    const lanes = x8 && rows === Q8_LANE_ROWS && wasmGemvSettings.x8Lanes;
    if (lanes) q8LanesTable(heap, { xqAt, xStride, xscaleAt: xsAt / 4 }, l.groupsPerRow, g, tableOff);
    const fn = x8 ? q8KernelName(g, rows, dotAdd, lanes) : q16KernelName(mode, g, rows);
    callSplit(c, fn, [
      c.wOff,
      c.sOff,
      xqAt,
      c.yOff + r * a.outFeatures * 4,
      a.outFeatures,
      l.rowWords * 4,
      l.groupsPerRow,
      groupBytes,
      lanes ? tableOff : xsAt,
      xStride,
      xsStride,
      a.outFeatures * 4,
    ]);
    if (lanes) wasmGemvSettings.x8LaneBlocks++;
  }
}

/** One GEMV per row with x in f32, laid out afresh for each row in the one-row scratch. */
function runFloatX(c: GemvCall, mode: WasmGemvMode): void {
  const { a, l, m, scratchOff } = c;
  const floats = scratchFloats(mode, l.paddedIn, a.groupSize);
  const xs = c.heap.f32.subarray(c.xOff / 4, c.xOff / 4 + m * a.inFeatures);
  const dst = c.heap.f32.subarray(scratchOff / 4, scratchOff / 4 + floats);
  for (let r = 0; r < m; r++) {
    prepareX(mode, xs, r * a.inFeatures, a.inFeatures, dst, l.paddedIn, a.groupSize);
    callSplit(c, `gemv_${mode}`, [
      c.wOff,
      c.sOff,
      scratchOff,
      c.yOff + r * a.outFeatures * 4,
      a.outFeatures,
      l.rowWords * 4,
      l.groupsPerRow,
      (a.groupSize / l.codesPerWord) * 4,
      scratchOff + l.paddedIn * 4,
    ]);
  }
}

/**
 * One kernel call, its output columns cut into chunks across the pool's threads when W is big enough to pay for
 * it (`kernelPoolSettings.minWeights`): each chunk is the same kernel on rows [o0, o1) of W, its scales and columns
 * of y (args: w, s, x, y, out, rowBytes, groups, …).
 */
function callSplit(c: GemvCall, fn: GemvKernelName, args: number[]): void {
  const { pool } = c.kernels;
  const out = args[4];
  if (!pool || out * c.a.inFeatures < kernelPoolSettings.minWeights) {
    // Positional, not spread: the common case stays a plain call into wasm.
    const [w, s, x, y, o, rowBytes, groups, groupBytes, xs, xStride, xsStride, yStride] = args;
    const kernel = c.kernels[fn];
    if (!kernel) throw new Error(`wasm GEMV: this build has no kernel '${fn}'`);
    kernel(w, s, x, y, o, rowBytes, groups, groupBytes, xs, xStride, xsStride, yStride);
    return;
  }
  const [w, s, x, y, , rowBytes, groups] = args;
  pool.run(
    splitRange(out, chunkCount(pool, out, out * c.a.inFeatures, kernelPoolSettings.minWeights / 2)).map(([o0, o1]) => ({
      fn,
      args: [w + o0 * rowBytes, s + o0 * groups * 4, x, y + o0 * 4, o1 - o0, ...args.slice(5)],
    })),
  );
}
