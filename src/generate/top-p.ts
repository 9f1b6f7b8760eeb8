/**
 * Nucleus (top-p) filtering (Holtzman et al., https://arxiv.org/abs/1904.09751): keep the smallest set of most
 * likely tokens whose probabilities sum to at least p. Matches Hugging Face's `TopPLogitsWarper`: a token is kept
 * when the mass of the tokens ranked above it is below p, so the most likely token always survives. Tokens tied
 * with the last kept one are kept as well.
 */
import { softmax } from './softmax';

/** Returns a new array with the tokens outside the nucleus set to -Infinity. p ≥ 1 is a no-op. */
export function topPFilter(logits: Float32Array, p: number): Float32Array {
  if (!(p > 0) || Number.isNaN(p)) throw new Error(`top-p must be in (0, 1], got ${p}`);
  const out = Float32Array.from(logits);
  if (p >= 1) return out;
  const probs = softmax(logits);
  // Sorting the probabilities (native typed-array sort) instead of an index array keeps this fast at 150k vocab.
  const sorted = Float64Array.from(probs).sort().reverse();
  let before = 0;
  let threshold = sorted[0];
  for (let i = 0; i < sorted.length && before < p; i++) {
    threshold = sorted[i];
    before += sorted[i];
  }
  for (let i = 0; i < out.length; i++) if (probs[i] < threshold) out[i] = -Infinity;
  return out;
}
