/**
 * What every format reader yields: one record with its location, or one problem in place of a record. A problem
 * item counts as a bad record (skipped under the 'skip' policy); problems that end a whole file are thrown as
 * `FileProblem` instead.
 */
import type { DatasetProblem, SourceRecord } from '../types';

/** One item of a reader's output: a record, or a problem standing for a bad record. */
export type ReadItem =
  | { record: SourceRecord; problem?: undefined }
  /** `structural`: a problem between records (a missing ','), not a record of its own. */
  | { record?: undefined; problem: DatasetProblem; structural?: boolean };

/**
 * Reason a `JSON.parse` failed, with the line (relative to the start of `text`) and column where it failed when
 * the engine gives a position: `at column 14: Expected ',' or '}' after property value`, to follow "invalid JSON ".
 */
export function jsonError(e: unknown, text: string): { reason: string; lineOffset: number } {
  const raw = (e as Error).message ?? String(e);
  const m = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?/.exec(raw);
  if (!m) return { reason: `(in the record starting on this line): ${raw}`, lineOffset: 0 };
  const pos = Number(m[1]);
  let lines = 0;
  let lineStart = 0;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      lines++;
      lineStart = i + 1;
    }
  }
  const reason = `at column ${pos - lineStart + 1}: ${raw.replace(m[0], '')}`;
  return { reason, lineOffset: lines };
}

/** Shown for a value that is valid JSON but not a record. */
export function describeJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
