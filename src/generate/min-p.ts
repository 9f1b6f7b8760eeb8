/**
 * Min-p filtering (Nguyen et al., https://arxiv.org/abs/2407.01082; Hugging Face `MinPLogitsWarper`): keep tokens
 * whose probability is at least `minP` times the top token's. Adapts the cut to how confident the model is.
 */
import { softmax } from './softmax';

/** Returns a new array with tokens below `minP · maxProb` set to -Infinity. minP ≤ 0 is a no-op. */
export function minPFilter(logits: Float32Array, minP: number): Float32Array {
  if (!(minP <= 1) || Number.isNaN(minP)) throw new Error(`min-p must be in [0, 1], got ${minP}`);
  const out = Float32Array.from(logits);
  if (minP <= 0) return out;
  const probs = softmax(logits);
  let top = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > top) top = probs[i];
  const threshold = minP * top;
  for (let i = 0; i < out.length; i++) if (probs[i] < threshold) out[i] = -Infinity;
  return out;
}
