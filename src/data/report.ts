/**
 * Text reports of a prepared dataset, shared by `data check` and `train` so both print the same thing: the
 * detected shape per file, counts, token statistics, and problems as `FILE:LINE: what is wrong`.
 */
import { formatProblems } from './problems';
import { describePromptFormat, type PromptFormat } from './prompt-format';
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
    lines.push(
      `  ${String(edges[i]).padStart(6)}–${String(edges[i + 1] - 1).padEnd(6)} ${String(c).padStart(7)} ${bar}`,
    );
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
  else
    lines.push(
      `${result.problemCount} problem${result.problemCount === 1 ? '' : 's'}: fix the file, or pass --skip-invalid to train on the valid records`,
    );
  return lines;
}

/** What {@link noExamplesReason} needs besides the result: the length limit, its name where the user sets it, the format. */
export interface ReasonContext {
  maxSeqLen: number;
  /** `--seq-len`, "Max tokens per example", … */
  lengthName: string;
  /** How prompts were rendered, when known ("with the chat template" in the message). */
  format: PromptFormat | null;
}

/**
 * Why no example can be trained on, as the message itself (what happened, in numbers, and what to change); null
 * when there are training examples. "nothing to train on" alone leaves the user guessing (issue 15).
 */
export function noExamplesReason(
  result: Pick<PreparedDataset, 'stats' | 'problemCount' | 'skipped'>,
  ctx: ReasonContext,
): string | null {
  const s = result.stats;
  if (s.trainExamples > 0) return null;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (s.records === 0)
    return 'no records were read: the files are empty, or none of their records has a shape we can train on';
  if (s.examples === 0 && result.problemCount > 0) {
    return `every record has a problem (${plural(result.problemCount, 'problem')}${result.skipped ? `, ${result.skipped} skipped` : ''}): fix the records listed`;
  }
  if (s.droppedNoLoss > 0 && s.droppedNoLoss + s.droppedOverLength + s.droppedDuplicates >= s.examples) {
    const how = ctx.format ? ` with ${describePromptFormat(ctx.format)}` : '';
    const prompt =
      s.shortestLostPrompt > 0
        ? `the shortest prompt renders to ${plural(s.shortestLostPrompt, 'token')}${how}`
        : `the prompts fill the length limit${how}`;
    return `${prompt} and ${ctx.lengthName} is ${ctx.maxSeqLen}; every example lost its answer. Raise ${ctx.lengthName} or shorten the prompts`;
  }
  if (s.droppedOverLength > 0 && s.droppedOverLength + s.droppedDuplicates >= s.examples) {
    return `every example is longer than ${ctx.maxSeqLen} tokens (${ctx.lengthName}) and over-long examples are dropped: raise ${ctx.lengthName} or truncate them`;
  }
  return `none of the ${plural(s.examples, 'example')} is usable (${s.droppedDuplicates} duplicates dropped)`;
}

/**
 * What `train` calls after `prepareDataset` and before training: prints the problems (as `FILE:LINE: ...`, at most
 * 20 then a count) or, under the skip policy, how many records were skipped; returns false when training must not
 * start (problems under 'fail', or nothing left to train on, with the reason).
 */
export function reportForTraining(result: PreparedDataset, ctx: ReasonContext, write: (line: string) => void): boolean {
  for (const line of formatProblemSummary(result)) write(line);
  if (!result.ok) return false;
  if (result.train.length === 0) {
    write(`nothing to train on: ${noExamplesReason(result, ctx) ?? 'no training examples left'}`);
    return false;
  }
  return true;
}
