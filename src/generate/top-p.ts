/**
 * Nucleus (top-p) filtering (Holtzman et al., https://arxiv.org/abs/1904.09751): keep the smallest set of most
 * likely tokens whose probabilities sum to at least p. Matches Hugging Face's `TopPLogitsWarper`: a token is kept
 * when the mass of the tokens ranked above it is below p, so the most likely token always survives. Tokens tied
 * with the last kept one are kept as well.
 */
import { softmax } from './softmax';

/**
 * The probabilities that can be in the nucleus, descending. Sorting a whole 150k vocabulary per token is slow, so
 * only tokens above a cut τ are sorted: when they already hold mass ≥ p, the nucleus (a top set reaching p) lies
 * among them. τ is lowered until that holds (τ = 0 sorts every non-zero probability).
 */
function nucleusCandidates(probs: Float64Array, p: number, top: number): Float64Array {
  for (let tau = top * 1e-3; ; tau = tau > 1e-12 ? tau * 1e-3 : 0) {
    const above: number[] = [];
    let mass = 0;
    for (let i = 0; i < probs.length; i++) {
      if (probs[i] > 0 && probs[i] >= tau) {
        above.push(probs[i]);
        mass += probs[i];
      }
    }
    if (mass >= p || tau === 0) return Float64Array.from(above).sort().reverse();
  }
}

/** Returns a new array with the tokens outside the nucleus set to -Infinity. p ≥ 1 is a no-op. */
export function topPFilter(logits: Float32Array, p: number): Float32Array {
  if (!(p > 0) || Number.isNaN(p)) throw new Error(`top-p must be in (0, 1], got ${p}`);
  const out = logits.slice();
  if (p >= 1) return out;
  const probs = softmax(logits);
  let top = 0;
  for (let i = 0; i < probs.length; i++) if (probs[i] > top) top = probs[i];
  const sorted = nucleusCandidates(probs, p, top);
  let before = 0;
  let threshold = sorted[0];
  for (let i = 0; i < sorted.length && before < p; i++) {
    threshold = sorted[i];
    before += sorted[i];
  }
  for (let i = 0; i < out.length; i++) if (probs[i] < threshold) out[i] = -Infinity;
  return out;
}
