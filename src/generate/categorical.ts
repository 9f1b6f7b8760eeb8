/** Drawing one token from the distribution the (filtered) logits define. */
import type { Rng } from '../util/rng';
import { softmax } from './softmax';

/** Samples an id with probability softmax(logits)[id]; -Infinity entries are never drawn. */
export function sampleCategorical(logits: Float32Array, rng: Rng): number {
  const probs = softmax(logits);
  const u = rng.nextFloat();
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    cumulative += probs[i];
    last = i;
    if (u < cumulative) return i;
  }
  // Rounding left the total a hair under 1 and u landed in the gap: the last possible token.
  return last;
}
