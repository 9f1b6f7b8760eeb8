/**
 * Two fused ops for generation on the wasm backend, where a SmolLM2-135M decode step runs ~1500 tfjs kernels and
 * their JS (~4–5 µs each: engine bookkeeping, tidy, heap views) costs about as much as the arithmetic:
 * - `LoraStudioRmsNorm`: weight · x / sqrt(mean(x²) + eps) over the last axis, one kernel instead of six
 *   (Square, Mean, Add, Rsqrt, Multiply, Multiply);
 * - `LoraStudioSwiGlu`: silu(gate) ⊙ up, one instead of three (Sigmoid, Multiply, Multiply), four lanes at a time
 *   in wasm (generation-math-wat.ts: a polynomial e^x within ~1 ulp).
 * They run inside generation only (`src/model/llama.ts` asks `generationOpsAvailable()` and
 * `backend/generation-scope.ts`), have no gradient, and sum in a different order than tfjs's Mean (within float
 * rounding, ~1e-7): scoring and training keep the composite ops, whose values the PyTorch goldens hold.
 * Written over heap views like slice-wasm.ts: the output is allocated first, because a heap growth detaches views.
 */
import { tf } from '../tf';
import { generationMath } from './generation-math-wasm';
import { heapOffset, readWasmInternals, type HeapBackend } from './wasm-heap-views';

export const RMS_NORM = 'LoraStudioRmsNorm';
export const SWIGLU = 'LoraStudioSwiGlu';

/** Input `name` of a generation op's kernel call (`op` names the op in the error). */
export function opInput(inputs: tf.NamedTensorInfoMap, name: string, op = 'generation op'): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${op}: missing input '${name}'`);
  return t;
}

const input = (inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo => opInput(inputs, name);

const rmsNormConfig: tf.KernelConfig = {
  kernelName: RMS_NORM,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const b = backend as unknown as HeapBackend;
    const x = input(inputs, 'x');
    const w = input(inputs, 'weight');
    const eps = (attrs as { eps: number }).eps;
    const out = b.makeOutput(x.shape, 'float32');
    const xs = b.typedArrayFromHeap(x) as Float32Array;
    const ws = b.typedArrayFromHeap(w) as Float32Array;
    const ys = b.typedArrayFromHeap(out) as Float32Array;
    const dim = x.shape[x.shape.length - 1];
    // In wasm SIMD where it loads and rows are whole vectors (bit-equal to the loop below but for the sum's order)
    const simd = dim % 4 === 0 ? generationMath(backend)?.rms_norm : undefined;
    const internals = readWasmInternals(backend);
    if (simd && internals) {
      simd(heapOffset(internals, x), heapOffset(internals, w), heapOffset(internals, out), xs.length / dim, dim, eps);
      return out;
    }
    for (let row = 0; row < xs.length; row += dim) {
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += xs[row + i] * xs[row + i];
      const inv = Math.fround(1 / Math.sqrt(Math.fround(Math.fround(sum / dim) + eps)));
      for (let i = 0; i < dim; i++) ys[row + i] = Math.fround(xs[row + i] * inv) * ws[i];
    }
    return out;
  },
};

const swiGluConfig: tf.KernelConfig = {
  kernelName: SWIGLU,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) => {
    const b = backend as unknown as HeapBackend;
    const gate = input(inputs, 'gate');
    const up = input(inputs, 'up');
    const out = b.makeOutput(gate.shape, 'float32');
    const gs = b.typedArrayFromHeap(gate) as Float32Array;
    const us = b.typedArrayFromHeap(up) as Float32Array;
    const ys = b.typedArrayFromHeap(out) as Float32Array;
    // Four lanes at a time in wasm (generation-math-wat.ts) where it loads; the tail, or everything without SIMD, here.
    const simd = generationMath(backend)?.swiglu;
    const internals = readWasmInternals(backend);
    let from = 0;
    if (simd && internals) {
      simd(heapOffset(internals, gate), heapOffset(internals, up), heapOffset(internals, out), gs.length);
      from = gs.length - (gs.length % 4);
    }
    for (let i = from; i < gs.length; i++) {
      const g = gs[i];
      ys[i] = Math.fround((g / (1 + Math.exp(-g))) * us[i]);
    }
    return out;
  },
};

/** Registers both for 'wasm' (idempotent). */
export function registerGenerationOps(): void {
  for (const config of [rmsNormConfig, swiGluConfig])
    if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
}

/** Whether the active backend has the fused ops. */
export function generationOpsAvailable(): boolean {
  return tf.getKernel(RMS_NORM, tf.getBackend()) !== undefined;
}

/** The fused RMSNorm: x [..., dim], weight [dim] → [..., dim]. No gradient. */
export function fusedRmsNorm<T extends tf.Tensor>(x: T, weight: tf.Tensor1D, eps: number): T {
  return tf.engine().runKernel(RMS_NORM, { x, weight }, { eps }) as T;
}

/** The fused silu(gate) ⊙ up: two [rows, n] → [rows, n]. No gradient. */
export function fusedSwiGlu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(SWIGLU, { gate, up }, {}) as tf.Tensor2D;
}
