/**
 * Text reports of a prepared dataset, shared by `data check` and `train` so both print the same thing: the
 * detected shape per file, counts, token statistics, and problems as `FILE:LINE: what is wrong`.
 */
import { formatProblems } from './problems';
import { describeMapping } from './shape';
import type { DatasetStats, PreparedDataset } from './types';

/** Problems printed before "... and N more". */
export const PRINTED_PROBLEMS = 20;

function pct(n: number, of: number): string {
  return of ? `${((100 * n) / of).toFixed(1)}%` : '0%';
}

/** Token statistics as lines (only meaningful when a tokenizer was used). */
export function formatStats(s: DatasetStats, maxSeqLen: number): string[] {
  const kept = s.trainExamples + s.evalExamples;
  const lines = [
    `examples: ${kept} usable (${s.trainExamples} train, ${s.evalExamples} eval) of ${s.examples} rendered`,
    `tokens: ${s.totalTokens} total, ${s.trainableTokens} with loss (${pct(s.trainableTokens, s.totalTokens)}), mean ${s.meanTokens.toFixed(1)}, max ${s.maxTokens}`,
    `longer than ${maxSeqLen}: ${s.overLength} (${s.truncated} truncated, ${s.droppedOverLength} dropped, ${s.droppedNoLoss} dropped with no loss left)`,
    `exact duplicates: ${s.duplicates}${s.droppedDuplicates ? ` (${s.droppedDuplicates} dropped)` : ''}`,
  ];
  if (s.packedRows) lines.push(`packed into ${s.packedRows} rows of ≤ ${maxSeqLen} tokens`);
  if (!s.complete) lines.push('(tokenizing stopped at the first problem: token figures cover the records before it)');
  const { edges, counts } = s.histogram;
  const peak = Math.max(1, ...counts);
  lines.push('length histogram (tokens):');
  counts.forEach((c, i) => {
    if (c === 0) return;
    const bar = '#'.repeat(Math.max(1, Math.round((30 * c) / peak)));
    lines.push(`  ${String(edges[i]).padStart(6)}–${String(edges[i + 1] - 1).padEnd(6)} ${String(c).padStart(7)} ${bar}`);
  });
  return lines;
}

/** Per-file shape and record counts. */
export function formatFiles(result: PreparedDataset): string[] {
  return result.files.map((f) => {
    const shape = f.mapping ? describeMapping(f.mapping) : 'shape not detected';
    return `${f.file}: ${f.format ?? 'unsupported type'}, ${shape}; ${f.records} records, ${f.records - f.badRecords} valid`;
  });
}

/** Problem lines (first 20, then a count) plus the skip summary. */
export function formatProblemSummary(result: PreparedDataset): string[] {
  const lines = formatProblems(result.problems, result.problemCount, PRINTED_PROBLEMS);
  if (result.problemCount === 0) return lines;
  if (result.ok) lines.push(`skipped ${result.skipped} invalid records (--skip-invalid)`);
  else lines.push(`${result.problemCount} problem${result.problemCount === 1 ? '' : 's'}: fix the file, or pass --skip-invalid to train on the valid records`);
  return lines;
}

/**
 * What `train` calls after `prepareDataset` and before training: prints the problems (as `FILE:LINE: ...`, at most
 * 20 then a count) or, under the skip policy, how many records were skipped; returns false when training must not
 * start (problems under 'fail', or nothing left to train on).
 */
export function reportForTraining(result: PreparedDataset, write: (line: string) => void): boolean {
  for (const line of formatProblemSummary(result)) write(line);
  if (!result.ok) return false;
  if (result.train.length === 0) {
    write('no training examples left: nothing to train on');
    return false;
  }
  return true;
}
