/**
 * Puts shards back together: examples in file order, exact duplicates found across all of them, problems sorted
 * by file and line, then the seeded split, shuffle and packing. The result does not depend on the shard count.
 */
import { resolveOptions } from './options';
import { packExamples } from './pack';
import type { DatasetShard } from './shard';
import { evalCount, splitTrainEval } from './split';
import { DuplicateFinder, finishStats } from './stats';
import type { DatasetProblem, PreparedDataset, PrepareOptions, TokenizedExample } from './types';

function checkShards(shards: readonly DatasetShard[]): void {
  const count = shards[0]?.spec.count;
  const seen = new Set(shards.map((s) => s.spec.index));
  if (!count || shards.length !== count || seen.size !== count || shards.some((s) => s.spec.count !== count)) {
    throw new Error(`mergeShards needs shards 0..${(count ?? 1) - 1} exactly once each`);
  }
}

/** Examples of all shards in global order. */
function inOrder(shards: readonly DatasetShard[]): TokenizedExample[] {
  const all: { ex: TokenizedExample; order: number }[] = [];
  for (const s of shards) s.examples.forEach((ex, i) => all.push({ ex, order: s.order[i] }));
  all.sort((a, b) => a.order - b.order);
  return all.map((a) => a.ex);
}

/** Problems sorted by file (input order), then line/row; file-level problems first. */
function sortedProblems(shards: readonly DatasetShard[], limit: number): DatasetProblem[] {
  const fileIndex = new Map(shards[0].files.map((f, i) => [f.file, i]));
  const all = shards.flatMap((s) => s.problems);
  const key = (p: DatasetProblem): [number, number] => [fileIndex.get(p.file) ?? 0, p.line ?? p.row ?? 0];
  all.sort((a, b) => {
    const [fa, la] = key(a);
    const [fb, lb] = key(b);
    return fa - fb || la - lb;
  });
  return all.slice(0, limit);
}

/** Exact duplicates (token for token, after truncation) across the whole dataset; dropped when `dedupe`. */
function dedupe(
  examples: readonly TokenizedExample[],
  drop: boolean,
): { kept: TokenizedExample[]; duplicates: number } {
  const finder = new DuplicateFinder();
  const kept: TokenizedExample[] = [];
  let duplicates = 0;
  for (const ex of examples) {
    if (finder.check(ex.ids)) {
      duplicates++;
      if (drop) continue;
    }
    kept.push(ex);
  }
  return { kept, duplicates };
}

/**
 * Whether `mergeShards(shards)` is exactly what one pass would give. It is, except in one case: under policy 'fail'
 * tokenizing stops at the first problem, and a render problem is met only by the shard that rendered the record,
 * so the other shards went on past it and their figures cover more records. The caller then re-runs one shard
 * (`prepareDatasetPooled` and the data worker do): the result says "not stored" either way, but its figures stay
 * the ones a single pass gives.
 */
export function shardsAgree(shards: readonly DatasetShard[], options: PrepareOptions = {}): boolean {
  const opts = resolveOptions(options, null);
  if (shards.length <= 1 || opts.policy === 'skip' || opts.statsOnFail) return true;
  return shards.every((s) => s.renderProblems === 0);
}

/**
 * The prepared dataset from all shards of one pass (same inputs and options). Under policy 'fail' any problem
 * makes `ok` false and leaves `train`/`eval` empty.
 */
export function mergeShards(shards: readonly DatasetShard[], options: PrepareOptions = {}): PreparedDataset {
  checkShards(shards);
  const opts = resolveOptions(options, null);
  const first = shards.find((s) => s.spec.index === 0)!;
  const ordered = [first, ...shards.filter((s) => s !== first)];
  const { kept, duplicates } = dedupe(inOrder(ordered), opts.dedupe);
  const problemCount = ordered.reduce((s, x) => s + x.problemCount, 0);
  const ok = problemCount === 0 || opts.policy === 'skip';
  const evalN = evalCount(kept.length, opts.evalSplit);
  const split = ok ? splitTrainEval(kept, opts.evalSplit, opts.seed, opts.shuffle) : { train: [], eval: [] };
  // Preference pairs are already two-segment rows; packing them together would mix pairs.
  const pack = opts.pack && !split.train.concat(split.eval).some((e) => e.segmentIds);
  const train = pack ? packExamples(split.train, opts.maxSeqLen) : split.train;
  const evalSet = pack ? packExamples(split.eval, opts.maxSeqLen) : split.eval;
  const stats = finishStats(
    ordered.map((s) => s.counters),
    {
      records: first.files.reduce((s, f) => s + f.records, 0),
      kept,
      duplicates,
      droppedDuplicates: opts.dedupe ? duplicates : 0,
      // Counts of the split the examples get (or would get, when 'fail' withholds them): `data check` shows them.
      trainExamples: kept.length - evalN,
      evalExamples: evalN,
      packedRows: pack ? train.length + evalSet.length : 0,
      complete: ordered.every((s) => s.complete),
    },
  );
  return {
    ok,
    train,
    eval: evalSet,
    problems: sortedProblems(ordered, opts.maxProblems),
    problemCount,
    skipped: ordered.reduce((s, x) => s + x.skipped, 0),
    stats,
    shape: first.files.find((f) => f.mapping)?.mapping?.shape ?? null,
    files: first.files,
  };
}
