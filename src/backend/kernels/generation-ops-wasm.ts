/**
 * SwiGLU as one op for generation on the wasm backend (`LoraStudioSwiGlu`), where a SmolLM2-135M decode step runs
 * ~1500 tfjs kernels and their JS (~4–5 µs each: engine bookkeeping, tidy, heap views) costs about as much as the
 * arithmetic: silu(gate) ⊙ up, one kernel instead of three (Sigmoid, Multiply, Multiply), four lanes at a time in
 * wasm (generation-math-wat.ts: a polynomial e^x within ~1 ulp). It runs inside generation only (`src/model/llama.ts`
 * asks `generationOpsAvailable()` and `backend/generation-scope.ts`) and has no gradient. RMSNorm, fused here first,
 * has its own file now that training runs it too (rms-norm-wasm.ts).
 * Written over heap views like slice-wasm.ts: the output is allocated first, because a heap growth detaches views.
 */
import { tf } from '../tf';
import { generationMath } from './generation-math-wasm';
import { heapOffset, readWasmInternals, type HeapBackend } from './wasm-heap-views';

export const SWIGLU = 'LoraStudioSwiGlu';

/** Input `name` of a generation op's kernel call (`op` names the op in the error). */
export function opInput(inputs: tf.NamedTensorInfoMap, name: string, op = 'generation op'): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${op}: missing input '${name}'`);
  return t;
}

const input = (inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo => opInput(inputs, name);

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

/** Registers SwiGLU for 'wasm' (idempotent). */
export function registerGenerationOps(): void {
  if (!tf.getKernel(SWIGLU, 'wasm')) tf.registerKernel(swiGluConfig);
}

/** Whether the active backend has the fused generation ops. */
export function generationOpsAvailable(): boolean {
  return tf.getKernel(SWIGLU, tf.getBackend()) !== undefined;
}

/** The fused silu(gate) ⊙ up: two [rows, n] → [rows, n]. No gradient. */
export function fusedSwiGlu(gate: tf.Tensor2D, up: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(SWIGLU, { gate, up }, {}) as tf.Tensor2D;
}
