/** Greedy decoding: always the most likely token. */
import { argmax } from './softmax';

/** The id of the largest logit (first on ties). */
export function greedy(logits: Float32Array): number {
  return argmax(logits);
}
