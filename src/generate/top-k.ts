/**
 * Top-k filtering: keep the k most likely tokens. Like Hugging Face's `TopKLogitsWarper`, every token whose logit
 * equals the k-th largest is kept too (ties are not broken arbitrarily).
 */

/** The k-th largest finite-or-not value of `values` (1-based k ≤ length), found with a size-k min-heap: O(n log k). */
export function kthLargest(values: Float32Array, k: number): number {
  const heap = new Float32Array(k);
  let size = 0;
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && heap[l] < heap[m]) m = l;
      if (r < size && heap[r] < heap[m]) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (size < k) {
      let j = size++;
      heap[j] = v;
      while (j > 0 && heap[(j - 1) >> 1] > heap[j]) {
        const p = (j - 1) >> 1;
        [heap[p], heap[j]] = [heap[j], heap[p]];
        j = p;
      }
    } else if (v > heap[0]) {
      heap[0] = v;
      siftDown(0);
    }
  }
  return heap[0];
}

/** Returns a new array where every logit below the k-th largest is -Infinity. k ≤ 0 or k ≥ vocab is a no-op. */
export function topKFilter(logits: Float32Array, k: number): Float32Array {
  const out = logits.slice();
  if (!Number.isFinite(k) || k <= 0 || k >= logits.length) return out;
  const threshold = kthLargest(logits, Math.floor(k));
  for (let i = 0; i < out.length; i++) if (out[i] < threshold) out[i] = -Infinity;
  return out;
}

/**
 * The top-k survivors as a compact list (ids ascending, their logits): the sampler runs top-p, min-p and the draw
 * over these few entries instead of the whole vocabulary.
 */
export function topKCandidates(logits: Float32Array, k: number): { ids: Int32Array; values: Float32Array } {
  const threshold = k > 0 && k < logits.length ? kthLargest(logits, Math.floor(k)) : -Infinity;
  const ids: number[] = [];
  for (let i = 0; i < logits.length; i++) if (logits[i] >= threshold && logits[i] > -Infinity) ids.push(i);
  const idArray = Int32Array.from(ids);
  const values = new Float32Array(idArray.length);
  for (let j = 0; j < idArray.length; j++) values[j] = logits[idArray[j]];
  return { ids: idArray, values };
}
