/**
 * tfjs-webgpu releases a disposed tensor's buffer only when the commands that used it are submitted, which it does
 * every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (15) dispatches: until then the GPU holds the freed buffers as well as the
 * live ones (measured 1.2–1.4× the live tensor bytes of a training step, scripts/webgpu-step-memory.ts). Where a few
 * dispatches make and free large temporaries (the LM head's [chunk, vocab] blocks), submitting after every dispatch
 * frees each one at once, at the cost of a submit per dispatch there only.
 */
import { tf } from './tf';

const FLAG = 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE';

/** Runs `fn` with every WebGPU dispatch submitted at once (buffers released as their tensors are); else just `fn`. */
export function withEagerGpuRelease<T>(fn: () => T): T {
  if (tf.getBackend() !== 'webgpu') return fn();
  const before = tf.env().get(FLAG) as number;
  tf.env().set(FLAG, 1);
  try {
    return fn();
  } finally {
    tf.env().set(FLAG, before);
  }
}
