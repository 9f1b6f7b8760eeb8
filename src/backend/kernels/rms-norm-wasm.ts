/**
 * RMSNorm as one op on the wasm backend (`LoraStudioRmsNorm`): weight · x / √(mean(x²) + eps) over the last axis,
 * and its gradient as one op (`LoraStudioRmsNormGrad`).
 *
 * Composed of tfjs ops a norm is six kernels (Square, Mean, Add, Rsqrt, Multiply, Multiply) and its gradient about
 * a dozen more, among them a Sum over the last axis that tfjs-wasm runs as a scalar loop (~0.2 ms a call at
 * [64, 576]): a SmolLM2-135M LoRA step normalizes 61 times, ~1000 kernels with the engine's JS around each. In
 * generation it was the first op fused (a decode step has ~1500 kernels whose JS costs about what their arithmetic
 * does); training and scoring run it too since it has a gradient.
 *
 * In wasm SIMD (rms-norm-wat.ts) where rows are whole vectors, else the JS loops here. Values: the squares are summed
 * in float64 (tfjs's Mean sums f32 in another order: within float rounding, ~1e-7), the gradient is the composite's
 * formula (`rms_norm_grad`) with its sum in f32 lanes. The weight's gradient (never asked for by LoRA, whose norms
 * are frozen) is composed of tfjs ops.
 *
 * Inputs x [..., dim] and weight [dim]; attr eps. The gradient op: inputs dy, x, weight → dx.
 */
import { tf } from '../tf';
import { generationMath } from './generation-math-wasm';
import { opInput } from './generation-ops-wasm';
import { heapOffset, readWasmInternals, type HeapBackend } from './wasm-heap-views';

export const RMS_NORM = 'LoraStudioRmsNorm';
export const RMS_NORM_GRAD = 'LoraStudioRmsNormGrad';

/** Switch for tests and benches: false keeps the composite ops outside generation. */
export const rmsNormKernelSettings = { enabled: true };

/** 1 / √(Σx² / dim + eps) of one row, rounded as the WAT rounds it (f64 sum, each step rounded to f32). */
function inverseRms(xs: Float32Array, row: number, dim: number, eps: number): number {
  let sum = 0;
  for (let i = 0; i < dim; i++) sum += xs[row + i] * xs[row + i];
  return Math.fround(1 / Math.sqrt(Math.fround(Math.fround(sum / dim) + eps)));
}

/** Runs `simd` on the heap where it loads and rows are whole vectors; else `loop` over typed views. Returns out. */
function rowsKernel(
  backend: tf.KernelBackend,
  shape: number[],
  simd: ((out: tf.TensorInfo) => void) | null,
  loop: (out: Float32Array) => void,
): tf.TensorInfo {
  const out = (backend as unknown as HeapBackend).makeOutput(shape, 'float32'); // before any view
  if (simd) simd(out);
  else loop((backend as unknown as HeapBackend).typedArrayFromHeap(out) as Float32Array);
  return out;
}

const rmsNormConfig: tf.KernelConfig = {
  kernelName: RMS_NORM,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const b = backend as unknown as HeapBackend;
    const [x, w] = ['x', 'weight'].map((n) => opInput(inputs, n, 'RMSNorm'));
    const eps = (attrs as { eps: number }).eps;
    const dim = x.shape[x.shape.length - 1];
    const rows = x.shape.reduce((p, d) => p * d, 1) / dim;
    const fn = dim % 4 === 0 ? generationMath(backend)?.rms_norm : undefined;
    const internals = readWasmInternals(backend);
    const at = (t: tf.TensorInfo) => heapOffset(internals!, t);
    const simd = fn && internals ? (out: tf.TensorInfo) => fn(at(x), at(w), at(out), rows, dim, eps) : null;
    return rowsKernel(backend as tf.KernelBackend, x.shape, simd, (ys) => {
      const xs = b.typedArrayFromHeap(x) as Float32Array;
      const ws = b.typedArrayFromHeap(w) as Float32Array;
      for (let row = 0; row < xs.length; row += dim) {
        const inv = inverseRms(xs, row, dim, eps);
        for (let i = 0; i < dim; i++) ys[row + i] = Math.fround(xs[row + i] * inv) * ws[i];
      }
    });
  },
};

const rmsNormGradConfig: tf.KernelConfig = {
  kernelName: RMS_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const b = backend as unknown as HeapBackend;
    const [dy, x, w] = ['dy', 'x', 'weight'].map((n) => opInput(inputs, n, 'RMSNorm gradient'));
    const eps = (attrs as { eps: number }).eps;
    const dim = x.shape[x.shape.length - 1];
    const rows = x.shape.reduce((p, d) => p * d, 1) / dim;
    const fn = dim % 4 === 0 ? generationMath(backend)?.rms_norm_grad : undefined;
    const internals = readWasmInternals(backend);
    const at = (t: tf.TensorInfo) => heapOffset(internals!, t);
    const simd = fn && internals ? (out: tf.TensorInfo) => fn(at(x), at(w), at(dy), at(out), rows, dim, eps) : null;
    return rowsKernel(backend as tf.KernelBackend, x.shape, simd, (dxs) => {
      const [xs, ws, dys] = [x, w, dy].map((t) => b.typedArrayFromHeap(t) as Float32Array);
      for (let row = 0; row < xs.length; row += dim) {
        const inv = inverseRms(xs, row, dim, eps);
        let dot = 0;
        for (let i = 0; i < dim; i++) dot += ws[i] * dys[row + i] * xs[row + i];
        const coef = Math.fround((inv * inv * inv * dot) / dim);
        for (let i = 0; i < dim; i++) dxs[row + i] = Math.fround(ws[i] * dys[row + i] * inv - xs[row + i] * coef);
      }
    });
  },
};

const rmsNormGradient: tf.GradConfig = {
  kernelName: RMS_NORM,
  inputsToSave: ['x', 'weight'],
  gradFunc: (dy, saved, attrs) => {
    const [x, weight] = saved;
    const d = dy as tf.Tensor;
    const eps = (attrs as unknown as { eps: number }).eps;
    return {
      x: () => tf.engine().runKernel(RMS_NORM_GRAD, { dy: d, x, weight }, { eps }) as tf.Tensor,
      // Σ over every row of dy ⊙ x · inv: composite (trained norms only)
      weight: () => {
        const normed = tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps)));
        return tf.sum(tf.mul(d, normed), [...Array(x.rank - 1).keys()]);
      },
    };
  },
};

/** Registers both ops for 'wasm' and the gradient (idempotent). */
export function registerRmsNorm(): void {
  for (const config of [rmsNormConfig, rmsNormGradConfig])
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  if (!tf.getGradient(RMS_NORM)) tf.registerGradient(rmsNormGradient);
}

/** Whether the active backend runs RMSNorm as one op (wasm). */
export function rmsNormKernelAvailable(): boolean {
  return rmsNormKernelSettings.enabled && tf.getKernel(RMS_NORM, tf.getBackend()) !== undefined;
}

/** RMSNorm as one op: x [..., dim], weight [dim] → [..., dim], differentiable. */
export function fusedRmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  return tf.engine().runKernel(RMS_NORM, { x, weight }, { eps }) as T;
}
