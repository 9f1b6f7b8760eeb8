/**
 * Dataset statistics: lengths (for the histogram), exact duplicates, over-length counts, gathered per shard and
 * merged.
 */
import type { DatasetStats, LengthHistogram, TokenizedExample } from './types';

/** Number of bars in the UI's length chart. */
export const HISTOGRAM_BUCKETS = 20;

/** Equal-width buckets from 0 to the longest length (rounded up to a multiple of the bucket count). */
export function lengthHistogram(lengths: ArrayLike<number>, buckets = HISTOGRAM_BUCKETS): LengthHistogram {
  let max = 0;
  for (let i = 0; i < lengths.length; i++) max = Math.max(max, lengths[i]);
  const width = Math.max(1, Math.ceil((max + 1) / buckets));
  const edges = Array.from({ length: buckets + 1 }, (_, i) => i * width);
  const counts = new Array<number>(buckets).fill(0);
  for (let i = 0; i < lengths.length; i++) counts[Math.min(buckets - 1, Math.floor(lengths[i] / width))]++;
  return { edges, counts };
}

function fnv1a(ids: Int32Array, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < ids.length; i++) {
    h = Math.imul(h ^ (ids[i] & 0xffff), 0x01000193);
    h = Math.imul(h ^ (ids[i] >>> 16), 0x01000193);
  }
  return h >>> 0;
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Finds exact duplicates by 64-bit hash, confirmed token by token (a hash collision is never a duplicate). */
export class DuplicateFinder {
  private readonly seen = new Map<string, Int32Array[]>();

  /** True when `ids` equals an example seen before; remembers it otherwise. */
  check(ids: Int32Array): boolean {
    const key = `${fnv1a(ids, 0x811c9dc5)}:${fnv1a(ids, 0x9747b28c)}:${ids.length}`;
    const bucket = this.seen.get(key);
    if (bucket?.some((b) => sameIds(b, ids))) return true;
    if (bucket) bucket.push(ids);
    else this.seen.set(key, [ids]);
    return false;
  }
}

/**
 * Per-shard counts gathered while examples stream by (plain data, so a shard's counts cross a worker boundary).
 * Lengths are the rendered lengths before truncation, so the histogram shows what the data really is.
 */
export interface ShardCounters {
  examples: number;
  lengths: Int32Array;
  overLength: number;
  truncated: number;
  droppedOverLength: number;
  droppedNoLoss: number;
  /** Fewest prompt tokens (before the first loss token) among the `droppedNoLoss` examples; 0 when none. */
  shortestLostPrompt: number;
}

/** Fresh counters. */
export function newCounters(): ShardCounters {
  return {
    examples: 0,
    lengths: new Int32Array(1024),
    overLength: 0,
    truncated: 0,
    droppedOverLength: 0,
    droppedNoLoss: 0,
    shortestLostPrompt: 0,
  };
}

/** Records one rendered example's length (before truncation). */
export function addLength(c: ShardCounters, n: number): void {
  if (c.examples === c.lengths.length) {
    const grown = new Int32Array(c.lengths.length * 2);
    grown.set(c.lengths);
    c.lengths = grown;
  }
  c.lengths[c.examples++] = n;
}

/** Counters without the unused tail of `lengths` (what a shard hands back). */
export function trimCounters(c: ShardCounters): ShardCounters {
  return { ...c, lengths: c.lengths.slice(0, c.examples) };
}

/** What the merge knows beyond the shards' counters. */
export interface MergedCounts extends Pick<
  DatasetStats,
  'records' | 'duplicates' | 'droppedDuplicates' | 'trainExamples' | 'evalExamples' | 'packedRows' | 'complete'
> {
  kept: readonly TokenizedExample[];
}

/** Final statistics of a dataset from its shards' counters and the merged, kept examples. */
export function finishStats(shards: readonly ShardCounters[], m: MergedCounts): DatasetStats {
  const sum = (f: (c: ShardCounters) => number): number => shards.reduce((s, c) => s + f(c), 0);
  const lengths = new Int32Array(sum((c) => c.examples));
  let at = 0;
  let maxTokens = 0;
  for (const c of shards) {
    const l = c.lengths.subarray(0, c.examples);
    lengths.set(l, at);
    at += l.length;
    for (let i = 0; i < l.length; i++) maxTokens = Math.max(maxTokens, l[i]);
  }
  let totalTokens = 0;
  let trainableTokens = 0;
  for (const ex of m.kept) {
    totalTokens += ex.ids.length;
    for (let i = 0; i < ex.lossMask.length; i++) trainableTokens += ex.lossMask[i];
  }
  return {
    records: m.records,
    examples: lengths.length,
    totalTokens,
    trainableTokens,
    meanTokens: m.kept.length ? totalTokens / m.kept.length : 0,
    maxTokens,
    histogram: lengthHistogram(lengths),
    overLength: sum((c) => c.overLength),
    truncated: sum((c) => c.truncated),
    droppedOverLength: sum((c) => c.droppedOverLength),
    droppedNoLoss: sum((c) => c.droppedNoLoss),
    shortestLostPrompt: shards.reduce(
      (m, c) => (c.shortestLostPrompt > 0 && (m === 0 || c.shortestLostPrompt < m) ? c.shortestLostPrompt : m),
      0,
    ),
    duplicates: m.duplicates,
    droppedDuplicates: m.droppedDuplicates,
    trainExamples: m.trainExamples,
    evalExamples: m.evalExamples,
    packedRows: m.packedRows,
    complete: m.complete,
  };
}
