import { asGeneration } from '../backend/generation-scope';
import { tf } from '../backend/tf';
import type { DecoderModel } from '../model/llama';
import type { AdapterHook } from '../model/linear';

/**
 * A cached greedy decode of `steps` tokens after `prompt`, each forward inside generation as `generate` runs it:
 * the last row's logits of every step, and the name of every kernel that ran (to assert which path was taken).
 */
export async function cachedGreedyDecode(
  m: DecoderModel,
  prompt: number[],
  steps: number,
  hook?: AdapterHook,
): Promise<{ logits: Float32Array[]; kernels: Set<string> }> {
  const cache = m.createCache(1, prompt.length + steps);
  const logits: Float32Array[] = [];
  const kernels = new Set<string>();
  let ids = prompt;
  for (let s = 0; s < steps; s++) {
    const profile = await tf.profile(() =>
      asGeneration(() => tf.tidy(() => m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { cache, hook }))),
    );
    profile.kernels.forEach((k) => kernels.add(k.name));
    const out = profile.result as tf.Tensor3D; // [1, seq, vocab]
    const last = out.slice([0, ids.length - 1, 0], [1, 1, -1]); // [1, 1, vocab]
    const row = (await last.data()) as Float32Array;
    tf.dispose([out, last]);
    logits.push(row);
    ids = [row.indexOf(Math.max(...row))];
  }
  cache.dispose();
  return { logits, kernels };
}
