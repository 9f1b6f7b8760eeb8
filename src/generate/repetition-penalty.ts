/**
 * Repetition penalty with Hugging Face semantics (`RepetitionPenaltyLogitsProcessor`, from CTRL,
 * https://arxiv.org/abs/1909.05858): every token already in the context (prompt + generated) has a positive logit
 * divided by `penalty` and a negative one multiplied by it, so penalty > 1 always makes it less likely.
 */

/** Returns a new array with the penalty applied to each distinct id of `contextIds`. penalty 1 is a no-op. */
export function applyRepetitionPenalty(
  logits: Float32Array,
  contextIds: Iterable<number>,
  penalty: number,
): Float32Array {
  if (!(penalty > 0) || !Number.isFinite(penalty))
    throw new Error(`repetition penalty must be a finite number > 0, got ${penalty}`);
  const out = logits.slice();
  if (penalty === 1) return out;
  const seen = new Set<number>();
  for (const id of contextIds) {
    if (seen.has(id) || id < 0 || id >= out.length) continue;
    seen.add(id);
    const v = logits[id];
    out[id] = v < 0 ? v * penalty : v / penalty;
  }
  return out;
}
