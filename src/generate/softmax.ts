/**
 * Numerically stable softmax over a logits vector where masked entries are `-Infinity` (probability 0).
 */

/** Index of the largest logit (the first one on ties, like `torch.argmax`); NaN counts as masked. */
export function argmax(logits: Float32Array): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  if (best < 0) throw new Error('argmax: every logit is -Infinity or NaN (nothing can be sampled)');
  return best;
}

/** Probabilities (Float64 so that cumulative sums over 150k entries stay exact enough). */
export function softmax(logits: Float32Array): Float64Array {
  const max = logits[argmax(logits)];
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i];
    const e = v > -Infinity ? Math.exp(v - max) : 0;
    probs[i] = e;
    sum += e;
  }
  for (let i = 0; i < probs.length; i++) probs[i] /= sum;
  return probs;
}
