/**
 * AdamW's update of one parameter as one wasm kernel (`adamw-wat.ts`) instead of 14 element-wise ops and their
 * scalar tensors: a SmolLM2-135M LoRA (420 A/B matrices) spent 160–370 ms of a ~1.5 s step in the optimizer, nearly
 * all of it per-op overhead on tensors of 9–25 thousand floats. Same f32 operations in the same order as the
 * composite update in src/train/adamw.ts, so the parameters and moments come out identical (tested).
 */
import { tf } from '../tf';
import { ADAMW_MODULES } from './adamw-modules.generated';
import { backendMemory, heapOffset, readWasmInternals } from './wasm-heap-views';
import { instantiateKernels } from './wasm-kernel-module';

export const ADAMW_UPDATE = 'LoraStudioAdamW';

/** The update's scalars, as the composite ops would round them to f32 (see adamw-wat.ts). */
export interface AdamWScalars {
  beta1: number;
  beta2: number;
  eps: number;
  /** 1 − lr·wd (exactly 1 without weight decay). */
  decay: number;
  /** √(1 − β2ᵗ). */
  sqrtBc2: number;
  /** lr / (1 − β1ᵗ). */
  stepSize: number;
}

type AdamWFn = (...args: number[]) => void;

const loaded = new WeakMap<WebAssembly.Memory, AdamWFn | null>();

function adamwKernel(memory: WebAssembly.Memory): AdamWFn | null {
  if (!loaded.has(memory))
    loaded.set(memory, instantiateKernels<{ adamw: AdamWFn }>(ADAMW_MODULES, memory)?.exports.adamw ?? null);
  return loaded.get(memory) ?? null;
}

const adamwConfig: tf.KernelConfig = {
  kernelName: ADAMW_UPDATE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const b = readWasmInternals(backend);
    const memory = b ? backendMemory(b) : null;
    const run = memory ? adamwKernel(memory) : null;
    if (!b || !run) throw new Error('AdamW kernel: not tfjs-wasm 4.x or no wasm SIMD');
    const { p, m, v, g } = inputs as Record<'p' | 'm' | 'v' | 'g', tf.TensorInfo>;
    const s = attrs as unknown as AdamWScalars;
    const outs = [p, m, v].map((t) => b.makeOutput(t.shape, 'float32')); // p', m', v'
    const count = p.shape.reduce((x, y) => x * y, 1);
    const [pi, mi, vi, gi] = [p, m, v, g].map((t) => heapOffset(b, t));
    const [po, mo, vo] = outs.map((t) => heapOffset(b, t));
    run(
      pi,
      mi,
      vi,
      gi,
      po,
      mo,
      vo,
      count,
      s.beta1,
      1 - s.beta1,
      s.beta2,
      1 - s.beta2,
      s.decay,
      s.sqrtBc2,
      s.eps,
      s.stepSize,
    );
    return outs;
  },
};

/** Registers the kernel on wasm when our wasm kernels load here (wasm SIMD); idempotent. */
export function registerAdamW(): void {
  if (tf.getKernel(ADAMW_UPDATE, 'wasm')) return;
  const probe = new WebAssembly.Memory({ initial: 1 });
  if (adamwKernel(probe)) tf.registerKernel(adamwConfig);
}

/** Whether the active backend has the fused update. */
export function fusedAdamWAvailable(): boolean {
  return tf.getKernel(ADAMW_UPDATE, tf.getBackend()) !== undefined;
}

/** [p', m', v'] for one parameter p, its moments m and v and its gradient g (all the same shape). Caller owns them. */
export function fusedAdamW(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWScalars): tf.Tensor[] {
  return tf.engine().runKernel(ADAMW_UPDATE, { p, m, v, g }, s as unknown as tf.NamedAttrMap) as tf.Tensor[];
}
