/**
 * The many-row path of QuantMatMul and QuantMatMulInputGrad on the wasm backend (prefill, the training forward and
 * input gradient): W decoded block by block into f32 by our SIMD kernels (`dequant-wat.ts`) in place on tfjs-wasm's
 * heap, multiplied by XNNPACK, every re-layout around the product done by the kernels' `transpose`.
 *
 * Both directions give XNNPACK the big decoded block as its row operand and the small activation as its weight
 * operand: XNNPACK packs (copies, reorders) its weight operand on every call, and a fresh [out, in] block as the
 * weight operand cost 2.7 ms of packing on [64, 1536]·[1536, 576] (SmolLM2's gate/up input gradient), as much as the
 * product. So the input gradient runs as dxᵀ = Wᵀ·dyᵀ on W decoded transposed (rows decoded a chunk at a time into
 * a small scratch, then transposed into the block), the forward as yᵀ = W·xᵀ. Where our own GEMM runs (XNNPACK on
 * one thread) and W fits one block, the input gradient is dy·W on the decoded block as it lies (`directInputGrad`).
 * Every packed mode (int8, int4, nf4 with group scales; f16). Returns false when the backend is not covered (not
 * tfjs-wasm 4.x, no SIMD) or the setting is off, and the caller runs the JS kernels.
 */
import type { tf } from '../../../backend/tf';
import { backendMemory, heapOffset, readWasmInternals } from '../../../backend/kernels/wasm-heap-views';
import { gemmInPlace, gemmRuns } from '../../../backend/kernels/gemm-matmul-wasm';
import { runRows } from '../../../backend/kernels/kernel-pool';
import { boundRowsKernels } from '../../../backend/kernels/rows-matmul-wasm';
import { packedLayout, type PackedLayout } from '../../packed';
import type { QuantKernelAttrs } from '../names';
import { dequantKernels, type DequantKernels } from './dequant-wasm';

/** Switch for tests and benches: false runs the JS decode on wasm too. */
export const wasmGemmSettings = {
  enabled: true,
  /**
   * Rows of W decoded per call into the input gradient's scratch before their transpose into the block. Measured
   * (int4, median of 15, two runs on a loaded 2-core machine): [1536, 576] at M = 64 took 7.6 / 5.1 ms with 8 rows,
   * 5.2 / 4.2 with 16, and 3.7–4.3 with 32, 64 or 128 (short chunks write short runs of each of the 576 destination
   * rows, which share cache sets); [576, 1536] at M = 64 and [768, 256] at M = 256 within 2% for every choice.
   */
  chunkRows: 64,
  /** Products run by these kernels (tests check the path ran). */
  calls: 0,
};

/** What the host kernel hands over: tensor access and the backend's own untransposed matMul. */
export interface GemmHost {
  alloc(shape: number[]): tf.TensorInfo;
  dispose(t: tf.TensorInfo): void;
  /** a [m, k] · b [k, n] → a new [m, n] (XNNPACK on wasm). */
  matMul(a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo;
  /** Largest decoded block, in floats. */
  blockFloats: number;
}

interface Bound {
  kernels: DequantKernels;
  memory: WebAssembly.Memory;
  /** Byte offset of a tensor in the heap (stable while the tensor lives, even when the heap grows). */
  at(t: tf.TensorInfo): number;
  l: PackedLayout;
  /** dequant(row0, rows, dst): rows [row0, row0 + rows) of W as f32 [rows, paddedIn] at byte offset dst. */
  decode(row0: number, rows: number, dst: number): void;
}

function bind(backend: object, a: QuantKernelAttrs, words: tf.TensorInfo, scales?: tf.TensorInfo): Bound | null {
  if (!wasmGemmSettings.enabled || (a.mode !== 'f16' && !scales)) return null;
  const b = readWasmInternals(backend);
  const memory = b ? backendMemory(b) : null;
  const kernels = memory ? dequantKernels(memory) : null;
  if (!b || !memory || !kernels) return null;
  const l = packedLayout(a.mode, a.inFeatures, a.groupSize);
  const at = (t: tf.TensorInfo) => heapOffset(b, t);
  const w = at(words);
  const rowBytes = l.rowWords * 4;
  const p = l.paddedIn;
  // Rows decode independently: split across the kernel pool's threads when there are enough of them.
  if (a.mode === 'f16' || !scales) {
    const decode = (row0: number, rows: number, dst: number) =>
      runRows(kernels.pool, 'dequant_f16', kernels.dequant_f16, rows, rows * p, (r0, r1) => [
        w + (row0 + r0) * rowBytes,
        dst + r0 * p * 4,
        (r1 - r0) * p,
      ]);
    return { kernels, memory, at, l, decode };
  }
  const s = at(scales);
  const groupBytes = (a.groupSize / l.codesPerWord) * 4;
  const fn = `dequant_${a.mode}` as const;
  const decode = (row0: number, rows: number, dst: number) =>
    runRows(kernels.pool, fn, kernels[fn], rows, rows * p, (r0, r1) => [
      w + (row0 + r0) * rowBytes,
      s + (row0 + r0) * l.groupsPerRow * 4,
      dst + r0 * p * 4,
      r1 - r0,
      rowBytes,
      l.groupsPerRow,
      groupBytes,
    ]);
  return { kernels, memory, at, l, decode };
}

/** y [M, out] = x [M, in] · Wᵀ (no bias) into `y`; false (nothing written) when the kernels do not apply. */
export function wasmGemmForward(
  backend: object,
  a: QuantKernelAttrs,
  inputs: { x: tf.TensorInfo; words: tf.TensorInfo; scales?: tf.TensorInfo },
  y: tf.TensorInfo,
  host: GemmHost,
): boolean {
  const k = bind(backend, a, inputs.words, inputs.scales);
  if (!k) return false;
  const m = inputs.x.shape[0];
  const p = k.l.paddedIn;
  // xᵀ [paddedIn, M], zero rows past `in` against W's zero padded columns (0·garbage could be NaN).
  const xT = host.alloc([p, m]);
  new Float32Array(k.memory.buffer, k.at(xT) + a.inFeatures * m * 4, (p - a.inFeatures) * m).fill(0);
  k.kernels.transpose(k.at(inputs.x), k.at(xT), m, a.inFeatures, a.inFeatures, m);
  const rowsPerBlock = Math.max(1, Math.floor(host.blockFloats / p));
  try {
    for (let o0 = 0; o0 < a.outFeatures; o0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, a.outFeatures - o0);
      const w = host.alloc([rows, p]); // [block, paddedIn], transient
      k.decode(o0, rows, k.at(w));
      const part = host.matMul(w, xT); // [block, M] = W_block · xᵀ
      host.dispose(w);
      k.kernels.transpose(k.at(part), k.at(y) + o0 * 4, rows, m, m, a.outFeatures); // y[:, o0:o0+rows]
      host.dispose(part);
    }
  } finally {
    host.dispose(xT);
  }
  wasmGemmSettings.calls++;
  return true;
}

/**
 * dx = dy · W with W decoded whole into one block and our GEMM on it as stored (XNNPACK on one thread, see
 * `gemm-matmul-wasm.ts`): no transposes of W, dy or the product. False when our GEMM does not run here.
 */
function directInputGrad(
  backend: object,
  k: Bound,
  dy: tf.TensorInfo,
  dx: tf.TensorInfo,
  dims: { m: number; inp: number; out: number; p: number },
  host: GemmHost,
): boolean {
  const bound = gemmRuns() ? boundRowsKernels(backend) : null;
  if (!bound) return false;
  const { m, inp, out, p } = dims;
  const w = host.alloc([out, p]); // [out, paddedIn], transient
  try {
    k.decode(0, out, k.at(w));
    const at = { a: k.at(dy), b: k.at(w), c: k.at(dx) };
    gemmInPlace(bound.b, bound.kernels, at, { m, k: out, n: inp, lda: out, ldb: p, ldc: inp }); // [M, out]·[out, in]
  } finally {
    host.dispose(w);
  }
  return true;
}

/** dx [M, in] = dy [M, out] · W into `dx` (fully written); false (nothing written) when the kernels do not apply. */
export function wasmGemmInputGrad(
  backend: object,
  a: QuantKernelAttrs,
  inputs: { dy: tf.TensorInfo; words: tf.TensorInfo; scales?: tf.TensorInfo },
  dx: tf.TensorInfo,
  host: GemmHost,
): boolean {
  const k = bind(backend, a, inputs.words, inputs.scales);
  if (!k) return false;
  const m = inputs.dy.shape[0];
  const [inp, out, p] = [a.inFeatures, a.outFeatures, k.l.paddedIn];
  if (out * p <= host.blockFloats && directInputGrad(backend, k, inputs.dy, dx, { m, inp, out, p }, host)) {
    wasmGemmSettings.calls++;
    return true;
  }
  const rowsPerBlock = Math.max(1, Math.floor(host.blockFloats / inp));
  const chunkRows = Math.min(wasmGemmSettings.chunkRows, rowsPerBlock);
  const scratch = host.alloc([chunkRows, p]); // [chunk, paddedIn] decoded rows before their transpose
  try {
    for (let o0 = 0; o0 < out; o0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, out - o0);
      const wT = host.alloc([inp, rows]); // [in, block] = W_blockᵀ, transient
      const dyT = host.alloc([rows, m]); // [block, M] = dy[:, o0:o0+rows]ᵀ, transient
      k.kernels.transpose(k.at(inputs.dy) + o0 * 4, k.at(dyT), m, rows, out, m);
      for (let c0 = 0; c0 < rows; c0 += chunkRows) {
        const n = Math.min(chunkRows, rows - c0);
        k.decode(o0 + c0, n, k.at(scratch));
        k.kernels.transpose(k.at(scratch), k.at(wT) + c0 * 4, n, inp, p, rows);
      }
      const part = host.matMul(wT, dyT); // [in, M] = W_blockᵀ · dy_blockᵀ
      host.dispose(wT);
      host.dispose(dyT);
      const put = o0 === 0 ? k.kernels.transpose : k.kernels.transpose_add;
      put(k.at(part), k.at(dx), inp, m, m, inp);
      host.dispose(part);
    }
  } finally {
    host.dispose(scratch);
  }
  wasmGemmSettings.calls++;
  return true;
}
