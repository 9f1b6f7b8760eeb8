/**
 * Global-norm gradient clipping (`torch.nn.utils.clip_grad_norm_`): one norm over every gradient together, and
 * all gradients scaled by `maxNorm / (norm + 1e-6)` when the norm exceeds `maxNorm`.
 */
import { tf } from '../backend/tf';
import { wasmSumOfSquares } from '../backend/kernels/sum-squares-wasm';
import { scaleAll } from '../backend/kernels/scale-all-wasm';

/** L2 norm over all tensors in `grads` (async readback of one scalar). */
export async function globalNorm(grads: Iterable<tf.Tensor>): Promise<number> {
  const list = [...grads];
  if (list.length === 0) return 0;
  const onHeap = wasmSumOfSquares(list); // wasm: one pass over the heap instead of 2 kernels per gradient
  if (onHeap !== null) return Math.sqrt(onHeap);
  const norm = tf.tidy(() => tf.addN(list.map((g) => g.square().sum())).sqrt()); // scalar, disposed here
  const value = (await norm.data())[0];
  norm.dispose();
  return value;
}

/**
 * Returns clipped copies of `grads` (new tensors owned by the caller; the inputs are disposed) and the norm before
 * clipping. With `maxNorm` ≤ 0 or a non-finite norm the gradients are returned as they are.
 */
export async function clipByGlobalNorm(
  grads: Map<string, tf.Tensor>,
  maxNorm: number,
): Promise<{ grads: Map<string, tf.Tensor>; norm: number }> {
  const norm = await globalNorm(grads.values());
  if (!(maxNorm > 0) || !Number.isFinite(norm) || norm <= maxNorm) return { grads, norm };
  const factor = maxNorm / (norm + 1e-6);
  const names = [...grads.keys()];
  const inputs = [...grads.values()];
  // wasm: one op for every gradient (scale-all-wasm.ts), the same f32 products as one Multiply each
  const scaled = scaleAll(inputs, factor) ?? inputs.map((g) => g.mul(factor));
  for (const g of inputs) g.dispose();
  return { grads: new Map(names.map((n, i) => [n, scaled[i]])), norm };
}
