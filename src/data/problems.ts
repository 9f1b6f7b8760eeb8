/**
 * Collecting and printing dataset problems. A problem always names its file and, when it has one, its line (text
 * formats) or row (Parquet), so a user can jump straight to it: `FILE:LINE: what is wrong`.
 */
import type { DatasetProblem } from './types';

/** Collects problems; keeps the first `limit` in full and counts the rest (memory stays bounded). */
export class ProblemLog {
  readonly problems: DatasetProblem[] = [];
  count = 0;

  constructor(private readonly limit = 1000) {}

  add(problem: DatasetProblem): void {
    this.count++;
    if (this.problems.length < this.limit) this.problems.push(problem);
  }
}

/** Where a problem is: `FILE:LINE`, `FILE:row N` (Parquet) or just `FILE`. */
export function problemLocation(p: DatasetProblem): string {
  if (p.line !== undefined) return `${p.file}:${p.line}`;
  if (p.row !== undefined) return `${p.file}:row ${p.row}`;
  return p.file;
}

/** One problem as a line: `FILE:LINE: message` (the field is named in the message when it helps). */
export function formatProblem(p: DatasetProblem): string {
  return `${problemLocation(p)}: ${p.message}`;
}

/**
 * The first `limit` problems, one per line, then `... and N more` when `total` (all problems counted, possibly
 * more than were kept) exceeds what was printed.
 */
export function formatProblems(problems: readonly DatasetProblem[], total = problems.length, limit = 20): string[] {
  const lines = problems.slice(0, limit).map(formatProblem);
  const rest = total - lines.length;
  if (rest > 0) lines.push(`... and ${rest} more`);
  return lines;
}

/** Thrown by readers for a problem that ends the file (empty, binary, bad Parquet schema): the log gets it. */
export class FileProblem extends Error {
  override name = 'FileProblem';
  constructor(readonly problem: DatasetProblem) {
    super(formatProblem(problem));
  }
}
