/**
 * Learns byte-level BPE merges from word counts (Sennrich et al. 2016, as GPT-2 uses it). Pair counts are kept
 * incrementally with a lazy max-heap, so one merge costs the words that contain the pair, not the whole corpus.
 * Ties go to the pair whose symbols were created first, which makes the result deterministic.
 */

interface Word {
  symbols: number[];
  count: number;
}

/** A merge: symbols `left` + `right` → new symbol. */
export interface Merge {
  left: number;
  right: number;
}

const key = (a: number, b: number): number => a * 65536 + b;

/** Max-heap over [count, pairKey]; higher count first, then smaller key. Entries may be stale. */
class PairHeap {
  private items: [number, number][] = [];
  private before(x: [number, number], y: [number, number]): boolean {
    return x[0] > y[0] || (x[0] === y[0] && x[1] < y[1]);
  }
  push(item: [number, number]): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }
  pop(): [number, number] | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l], a[m])) m = l;
        if (r < a.length && this.before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Learns `numMerges` merges. `wordCounts` maps a pre-token (as a list of initial symbol ids) to its frequency;
 * `firstNewId` is the id the first merged symbol receives (ids increase by one per merge).
 */
export function learnMerges(
  wordCounts: Map<string, number>,
  toSymbols: (w: string) => number[],
  firstNewId: number,
  numMerges: number,
): Merge[] {
  const words: Word[] = [...wordCounts].map(([w, count]) => ({ symbols: toSymbols(w), count }));
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  // Every pair whose count changes since the last merge; it needs a fresh heap entry (the old one turns stale).
  const changed = new Set<number>();
  const add = (wi: number, sign: 1 | -1): void => {
    const { symbols, count } = words[wi];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const k = key(symbols[i], symbols[i + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * count);
      changed.add(k);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(wi);
      }
    }
  };
  words.forEach((_, wi) => add(wi, 1));
  changed.clear();
  const heap = new PairHeap();
  for (const [k, c] of pairCount) heap.push([c, k]);

  const merges: Merge[] = [];
  while (merges.length < numMerges) {
    const top = heap.pop();
    if (!top) break;
    const [c, k] = top;
    if ((pairCount.get(k) ?? 0) !== c || c <= 0) continue; // stale entry
    const left = Math.floor(k / 65536);
    const right = k % 65536;
    const newId = firstNewId + merges.length;
    merges.push({ left, right });
    for (const wi of pairWords.get(k) ?? []) {
      const merged = mergeWord(words[wi].symbols, left, right, newId);
      if (merged === null) continue; // stale membership: the word lost this pair to an earlier merge
      add(wi, -1);
      words[wi].symbols = merged;
      add(wi, 1);
    }
    pairCount.delete(k);
    pairWords.delete(k);
    changed.delete(k);
    for (const t of changed) {
      const cnt = pairCount.get(t) ?? 0;
      if (cnt > 0) heap.push([cnt, t]);
    }
    changed.clear();
  }
  return merges;
}

/** Merges every non-overlapping (left, right) in `symbols`, left to right; null when none occurs. */
function mergeWord(symbols: number[], left: number, right: number, newId: number): number[] | null {
  let found = false;
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === left && symbols[i + 1] === right) {
      out.push(newId);
      i++;
      found = true;
    } else {
      out.push(symbols[i]);
    }
  }
  return found ? out : null;
}
