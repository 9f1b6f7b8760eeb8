/**
 * Min-p filtering (Nguyen et al., https://arxiv.org/abs/2407.01082; Hugging Face `MinPLogitsWarper`): keep tokens
 * whose probability is at least `minP` times the top token's. Adapts the cut to how confident the model is.
 */
import { argmax } from './softmax';

/**
 * Returns a new array with tokens below `minP · maxProb` set to -Infinity. minP ≤ 0 is a no-op. Compared in log
 * space (p_i / p_max = exp(l_i − l_max)), which needs no softmax over the vocabulary.
 */
export function minPFilter(logits: Float32Array, minP: number): Float32Array {
  if (!(minP <= 1) || Number.isNaN(minP)) throw new Error(`min-p must be in [0, 1], got ${minP}`);
  const out = logits.slice();
  if (minP <= 0) return out;
  const threshold = logits[argmax(logits)] + Math.log(minP);
  for (let i = 0; i < out.length; i++) if (!(out[i] >= threshold)) out[i] = -Infinity;
  return out;
}
