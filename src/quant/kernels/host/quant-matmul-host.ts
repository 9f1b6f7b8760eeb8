/**
 * cpu and wasm implementations of QuantMatMul and QuantMatMulInputGrad, so the CLI, the Node tests and the
 * browser fallback also keep the base packed.
 *
 * Two regimes, chosen by the number of rows M:
 * - M ≤ smallM (decode): each weight row is decoded on the fly inside the dot product with x (`packedGemv`).
 *   No transient weight tensor; cost ≈ one table-driven pass over the packed bytes.
 * - M > smallM (prefill, training): rows of W are decoded block by block into a transient float32 tensor and
 *   multiplied with the backend's own BatchMatMul kernel (XNNPACK on wasm, far faster than a JS loop). Memory
 *   cost: one block of at most `blockFloats` floats (64 MiB) alive at a time, plus the result.
 * Measured (W [1536, 576], SmolLM2's up_proj): the fused row path takes 1.5–2.5 ms at M = 1 for every mode
 * (≈ 1.8 ns per weight, 1.9× faster than decoding the row then dotting it; block path ≈ 3 ms; tfjs f32 matMul
 * ≈ 0.8 ms). From M = 2 the block path wins, the row path re-decoding W per row: on wasm int4 M = 8 3 ms vs
 * 45 ms, M = 64 21 ms vs 546 ms, M = 256 55 ms (tfjs `matMul(x, W, false, true)` in f32: 644 ms, because a
 * transposed matMul misses XNNPACK). Hence smallM = 1. Best of 5 on a loaded 2-core machine.
 * On wasm, int8/int4/nf4 forwards of up to `wasmGemvSettings.maxRows[mode]` rows run our SIMD GEMV instead
 * (`../wasm/`), 2–10× faster than both JS paths at M ≤ 8; above that both directions decode W with our SIMD kernels
 * (`../wasm/wasm-gemm-host.ts`), the input gradient as (Wᵀ·dyᵀ)ᵀ so that XNNPACK never packs a decoded block
 * (int4 [1536, 576] at M = 64: forward 5.5 → 3.3 ms, input gradient 7.5 → 3.6 ms; f32 x·Wᵀ 4.2, dy·W 3.2 ms).
 */
import { tf } from '../../../backend/tf';
import { needInput, quantAttrs, type QuantKernelArgs, type QuantKernelAttrs } from '../names';
import { dequantizeRowsInto, type PackedView } from './dequant-rows';
import { packedGemv } from './packed-gemv';
import { hostIO, type HostIO } from './host-io';
import { wasmGemv } from '../wasm/wasm-gemv-host';
import { wasmGemmForward, wasmGemmInputGrad, type GemmHost } from '../wasm/wasm-gemm-host';

/** Tuning of the host kernels; tests shrink `blockFloats` to exercise the multi-block path on tiny shapes. */
export const hostKernelSettings = {
  /** Row count up to which the row-by-row path is used. */
  smallM: 1,
  /** Largest transient decoded block, in floats (16 Mi floats = 64 MiB). */
  blockFloats: 16 * 1024 * 1024,
};

type HostBackendName = 'cpu' | 'wasm';

function packedView(io: HostIO, inputs: tf.NamedTensorInfoMap, a: QuantKernelAttrs): PackedView {
  const scales = inputs.scales ? (io.view(inputs.scales) as Float32Array) : new Float32Array(0);
  return { ...a, words: io.view(needInput(inputs, 'words')) as Int32Array, scales };
}

/** a · b through the backend's own kernel, untransposed (the only form XNNPACK serves on wasm). */
function batchMatMul(name: HostBackendName, backend: object, a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo {
  const kernel = tf.getKernel('BatchMatMul', name);
  if (!kernel) throw new Error(`quant host kernel: no BatchMatMul kernel on ${name}`);
  return kernel.kernelFunc({
    inputs: { a, b },
    backend,
    attrs: { transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
}

/** What the wasm many-row kernels need from this host. */
function gemmHost(name: HostBackendName, backend: object, io: HostIO): GemmHost {
  return {
    alloc: io.alloc,
    dispose: io.dispose,
    matMul: (a, b) => batchMatMul(name, backend, a, b),
    blockFloats: hostKernelSettings.blockFloats,
  };
}

/** y [M, out] = x [M, in] · Wᵀ (+ bias). */
function forward(name: HostBackendName, args: QuantKernelArgs): tf.TensorInfo {
  const a = quantAttrs(args.attrs);
  const io = hostIO(args.backend);
  const x = needInput(args.inputs, 'x');
  const bias = args.inputs.bias;
  const m = x.shape[0];
  const y = io.alloc([m, a.outFeatures]);
  const inputs = { x, words: needInput(args.inputs, 'words'), scales: args.inputs.scales };
  if (name === 'wasm' && wasmGemv(args.backend, a, inputs, y, io.alloc, io.dispose)) {
    // Our SIMD kernels ran in place on the heap (int4, int8, nf4).
  } else if (m <= hostKernelSettings.smallM) {
    const w = packedView(io, args.inputs, a);
    const xs = io.view(x) as Float32Array;
    const ys = io.view(y) as Float32Array;
    for (let r = 0; r < m; r++) packedGemv(w, xs, r * a.inFeatures, ys, r * a.outFeatures);
  } else if (name === 'wasm' && wasmGemmForward(args.backend, a, inputs, y, gemmHost(name, args.backend, io))) {
    // Our SIMD kernels decoded W into blocks for XNNPACK (every packed mode).
  } else {
    // (W_block · xᵀ)ᵀ rather than x · W_blockᵀ: on wasm only an untransposed BatchMatMul reaches XNNPACK (the
    // transposed one is a naive loop, measured 184 ms vs 12 ms for [64, 576] · [1536, 576]ᵀ).
    const xT = io.alloc([a.inFeatures, m]); // [in, M], transient
    transposeInto(io.view(x) as Float32Array, io.view(xT) as Float32Array, m, a.inFeatures);
    const rowsPerBlock = Math.max(1, Math.floor(hostKernelSettings.blockFloats / a.inFeatures));
    for (let o0 = 0; o0 < a.outFeatures; o0 += rowsPerBlock) {
      const o1 = Math.min(o0 + rowsPerBlock, a.outFeatures);
      const wt = io.alloc([o1 - o0, a.inFeatures]); // [block, in], transient
      dequantizeRowsInto(packedView(io, args.inputs, a), o0, o1, io.view(wt) as Float32Array);
      const part = batchMatMul(name, args.backend, wt, xT); // [block, M]
      scatterTransposed(io.view(part) as Float32Array, io.view(y) as Float32Array, o1 - o0, m, a.outFeatures, o0);
      io.dispose(wt);
      io.dispose(part);
    }
    io.dispose(xT);
  }
  if (bias) addBias(io.view(y) as Float32Array, io.view(bias) as Float32Array, m);
  return y;
}

/** dx [M, in] = dy [M, out] · W. */
function inputGrad(name: HostBackendName, args: QuantKernelArgs): tf.TensorInfo {
  const a = quantAttrs(args.attrs);
  const io = hostIO(args.backend);
  const dy = needInput(args.inputs, 'dy');
  const m = dy.shape[0];
  const dx = io.alloc([m, a.inFeatures]);
  const inputs = { dy, words: needInput(args.inputs, 'words'), scales: args.inputs.scales };
  // On wasm every row count: even at M = 1, XNNPACK on W decoded by our kernels beats the JS row-by-row decode.
  if (name === 'wasm' && wasmGemmInputGrad(args.backend, a, inputs, dx, gemmHost(name, args.backend, io))) return dx;
  (io.view(dx) as Float32Array).fill(0);
  if (m <= hostKernelSettings.smallM) {
    const w = packedView(io, args.inputs, a);
    const dys = io.view(dy) as Float32Array;
    const dxs = io.view(dx) as Float32Array;
    const row = new Float32Array(a.inFeatures);
    for (let o = 0; o < a.outFeatures; o++) {
      dequantizeRowsInto(w, o, o + 1, row);
      for (let r = 0; r < m; r++) axpy(dys[r * a.outFeatures + o], row, dxs, r * a.inFeatures);
    }
    return dx;
  }
  const rowsPerBlock = Math.max(1, Math.floor(hostKernelSettings.blockFloats / a.inFeatures));
  for (let o0 = 0; o0 < a.outFeatures; o0 += rowsPerBlock) {
    const o1 = Math.min(o0 + rowsPerBlock, a.outFeatures);
    const wt = io.alloc([o1 - o0, a.inFeatures]); // [block, in], transient
    const dyBlock = io.alloc([m, o1 - o0]); // [M, block], transient
    dequantizeRowsInto(packedView(io, args.inputs, a), o0, o1, io.view(wt) as Float32Array);
    sliceColumns(io.view(dy) as Float32Array, io.view(dyBlock) as Float32Array, m, a.outFeatures, o0, o1);
    const part = batchMatMul(name, args.backend, dyBlock, wt); // [M, in]
    const ps = io.view(part) as Float32Array;
    const dxs = io.view(dx) as Float32Array;
    for (let i = 0; i < ps.length; i++) dxs[i] += ps[i];
    io.dispose(wt);
    io.dispose(dyBlock);
    io.dispose(part);
  }
  return dx;
}

function axpy(alpha: number, row: Float32Array, dst: Float32Array, offset: number): void {
  if (alpha === 0) return;
  for (let c = 0; c < row.length; c++) dst[offset + c] += alpha * row[c];
}

/** dst[c, r] = src[r, c] for src [rows, cols]. */
function transposeInto(src: Float32Array, dst: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * rows + r] = src[r * cols + c];
}

/** dst[c, col0 + r] = src[r, c] for src [rows, cols] and dst [cols, dstCols]. */
function scatterTransposed(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  cols: number,
  dstCols: number,
  col0: number,
): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[c * dstCols + col0 + r] = src[r * cols + c];
}

function sliceColumns(
  src: Float32Array,
  dst: Float32Array,
  rows: number,
  srcCols: number,
  c0: number,
  c1: number,
): void {
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * srcCols + c0, r * srcCols + c1), r * (c1 - c0));
}

function addBias(ys: Float32Array, bias: Float32Array, rows: number): void {
  const n = bias.length;
  for (let r = 0; r < rows; r++) for (let o = 0; o < n; o++) ys[r * n + o] += bias[o];
}

/** Kernel configs for one host backend (registered by `../register.ts`). */
export function hostKernelConfigs(name: HostBackendName, forwardName: string, gradName: string): tf.KernelConfig[] {
  return [
    { kernelName: forwardName, backendName: name, kernelFunc: (args) => forward(name, args) },
    { kernelName: gradName, backendName: name, kernelFunc: (args) => inputGrad(name, args) },
  ];
}
