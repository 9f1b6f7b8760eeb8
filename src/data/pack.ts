/**
 * Sequence packing: several short examples share one row of at most `maxSeqLen` tokens, so a batch wastes no
 * compute on padding. Placement is first-fit decreasing (longest first, each into the
 * first row with room), found in O(log rows) with a max-segment-tree over the rows' free space.
 *
 * Each row records `segmentIds` (1, 2, … per example) and `positionIds` (restarting at 0 per example), so the
 * trainer can keep attention inside each example and give every example its own RoPE positions (TRL's
 * `padding_free` packing with `position_ids`). The first token of every segment has loss 0: it must not be
 * learned as a continuation of the previous example.
 */
import type { TokenizedExample } from './types';

/** Max-tree over row capacities: finds the leftmost row with at least `need` free tokens. */
class FreeSpaceTree {
  private readonly size: number;
  private readonly tree: Int32Array;

  constructor(rows: number) {
    let size = 1;
    while (size < rows) size *= 2;
    this.size = size;
    this.tree = new Int32Array(2 * size);
  }

  set(row: number, free: number): void {
    let i = row + this.size;
    this.tree[i] = free;
    for (i >>= 1; i >= 1; i >>= 1) this.tree[i] = Math.max(this.tree[2 * i], this.tree[2 * i + 1]);
  }

  /** Leftmost row with free ≥ need, or -1. */
  find(need: number): number {
    if (this.tree[1] < need) return -1;
    let i = 1;
    while (i < this.size) i = this.tree[2 * i] >= need ? 2 * i : 2 * i + 1;
    return i - this.size;
  }
}

/** Which examples go into which row (indices into the input), longest first. */
export function planPacking(lengths: readonly number[], maxSeqLen: number): number[][] {
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const tree = new FreeSpaceTree(Math.max(1, lengths.length));
  const rows: number[][] = [];
  const free: number[] = [];
  for (const i of order) {
    const len = lengths[i];
    if (len > maxSeqLen) throw new Error(`example of ${len} tokens does not fit a packed row of ${maxSeqLen}`);
    let r = tree.find(len);
    if (r < 0) {
      r = rows.length;
      rows.push([]);
      free.push(maxSeqLen);
    }
    rows[r].push(i);
    free[r] -= len;
    tree.set(r, free[r]);
  }
  return rows;
}

/** Concatenates the examples of one row, with segment and position ids. */
function packRow(examples: readonly TokenizedExample[], members: readonly number[]): TokenizedExample {
  const n = members.reduce((s, i) => s + examples[i].ids.length, 0);
  const ids = new Int32Array(n);
  const lossMask = new Uint8Array(n);
  const segmentIds = new Int32Array(n);
  const positionIds = new Int32Array(n);
  let at = 0;
  members.forEach((i, seg) => {
    const ex = examples[i];
    const len = ex.ids.length;
    ids.set(ex.ids, at);
    lossMask.set(ex.lossMask, at);
    lossMask[at] = 0;
    segmentIds.fill(seg + 1, at, at + len);
    for (let p = 0; p < len; p++) positionIds[at + p] = p;
    at += len;
  });
  return { ids, lossMask, segmentIds, positionIds };
}

/** Packs examples (each ≤ `maxSeqLen` tokens) into rows of at most `maxSeqLen` tokens. */
export function packExamples(examples: readonly TokenizedExample[], maxSeqLen: number): TokenizedExample[] {
  const plan = planPacking(
    examples.map((e) => e.ids.length),
    maxSeqLen,
  );
  return plan.map((members) => packRow(examples, members));
}
