/**
 * Statistics gathered while examples stream by: lengths (for the histogram), exact duplicates, over-length
 * counts. Lengths are the rendered lengths before truncation, so the histogram shows what the data really is.
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

/** Running totals; `finish` turns them into `DatasetStats`. */
export class StatsAccumulator {
  records = 0;
  examples = 0;
  totalTokens = 0;
  trainableTokens = 0;
  maxTokens = 0;
  overLength = 0;
  truncated = 0;
  droppedOverLength = 0;
  droppedNoLoss = 0;
  duplicates = 0;
  droppedDuplicates = 0;
  private lengths = new Int32Array(1024);

  /** Records one rendered example's length (before truncation). */
  addLength(n: number): void {
    if (this.examples === this.lengths.length) {
      const grown = new Int32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[this.examples++] = n;
    this.maxTokens = Math.max(this.maxTokens, n);
  }

  /** Counts the tokens of an example that is kept. */
  addKept(ex: TokenizedExample): void {
    this.totalTokens += ex.ids.length;
    for (let i = 0; i < ex.lossMask.length; i++) this.trainableTokens += ex.lossMask[i];
  }

  finish(train: number, evalCount: number, packedRows: number, complete: boolean): DatasetStats {
    const kept = train + evalCount;
    return {
      records: this.records,
      examples: this.examples,
      totalTokens: this.totalTokens,
      trainableTokens: this.trainableTokens,
      meanTokens: kept ? this.totalTokens / kept : 0,
      maxTokens: this.maxTokens,
      histogram: lengthHistogram(this.lengths.subarray(0, this.examples)),
      overLength: this.overLength,
      truncated: this.truncated,
      droppedOverLength: this.droppedOverLength,
      droppedNoLoss: this.droppedNoLoss,
      duplicates: this.duplicates,
      droppedDuplicates: this.droppedDuplicates,
      trainExamples: train,
      evalExamples: evalCount,
      packedRows,
      complete,
    };
  }
}
