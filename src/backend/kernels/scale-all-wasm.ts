/**
 * Many float32 tensors times one factor as one op on the wasm backend (`LoraStudioScaleAll`): gradient clipping's
 * scale of every gradient (train/clip.ts). As tfjs ops it was one Multiply per gradient — 420 for a SmolLM2-135M
 * LoRA, each with the engine's JS around it (dearer in Chromium than in Node, bench/README Session 14) — on the thread
 * a second core does not help. Here one kernel makes every output in wasm SIMD (`scale_to`, lora-path-wat.ts): the
 * same f32 product as Multiply, bit for bit.
 *
 * Inputs: the tensors as an array (as AddN takes them); attr `factor`. Outputs: one per input, same shape.
 */
import { tf } from '../tf';
import { loraPathOn } from './lora-path-wasm';
import { heapOffset } from './wasm-heap-views';

export const SCALE_ALL = 'LoraStudioScaleAll';

const scaleAllConfig: tf.KernelConfig = {
  kernelName: SCALE_ALL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const onHeap = loraPathOn(backend);
    if (!onHeap) throw new Error('scale-all: needs tfjs-wasm 4.x with SIMD');
    const { b, path } = onHeap;
    const factor = Math.fround((attrs as { factor: number }).factor);
    return (Object.values(inputs) as tf.TensorInfo[]).map((t) => {
      const out = b.makeOutput(t.shape, 'float32'); // before the offsets: an allocation may move the heap
      path.scale_to(
        heapOffset(b, t),
        heapOffset(b, out),
        t.shape.reduce((p, d) => p * d, 1),
        factor,
      );
      return out;
    });
  },
};

/** Registers the op for 'wasm' (idempotent). */
export function registerScaleAll(): void {
  if (!tf.getKernel(SCALE_ALL, 'wasm')) tf.registerKernel(scaleAllConfig);
}

/** Each of `tensors` (float32) times `factor` as new tensors the caller owns, in one op on wasm; null elsewhere. */
export function scaleAll(tensors: readonly tf.Tensor[], factor: number): tf.Tensor[] | null {
  if (tf.getKernel(SCALE_ALL, tf.getBackend()) === undefined || tensors.some((t) => t.dtype !== 'float32')) return null;
  if (!loraPathOn(tf.backend()) || tensors.length === 0) return null;
  return tf.engine().runKernel(SCALE_ALL, tensors as unknown as tf.NamedTensorMap, { factor }) as tf.Tensor[];
}
