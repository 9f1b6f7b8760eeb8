/**
 * A quick look at a dropped file before the full pass: its format, its keys/columns, the mapping we would use and
 * the first few records (for the mapping editor and the live token preview). Reads only as far as it needs and
 * then stops the stream.
 */
import { ProblemLog } from './problems';
import { readFileExamples } from './read-file';
import { stripGzip } from './gzip';
import { formatFromName } from './sniff';
import type { ColumnMapping, DatasetFormat, DatasetInput, DatasetProblem, FileSummary, SourceRecord } from './types';

/** What `sampleDataset` found. */
export interface DatasetSample {
  file: string;
  format: DatasetFormat | null;
  /** Keys of the first valid record (CSV/Parquet: the usable columns). */
  keys: string[];
  mapping: ColumnMapping | null;
  /** Up to `count` valid records, raw, with their locations. */
  records: SourceRecord[];
  /** Problems among the records read so far. */
  problems: DatasetProblem[];
}

/** The first `count` valid records of `input` and what they tell about the file. */
export async function sampleDataset(
  input: DatasetInput,
  count = 5,
  mapping?: ColumnMapping,
  signal?: AbortSignal,
): Promise<DatasetSample> {
  const log = new ProblemLog(100);
  const summary: FileSummary = { file: input.name, format: null, mapping: null, records: 0, badRecords: 0 };
  const records: SourceRecord[] = [];
  for await (const item of readFileExamples(input, mapping, log, summary, undefined, signal)) {
    records.push(item.source);
    // Leaving the loop returns the generator, which cancels the underlying stream.
    if (records.length >= count) break;
  }
  const keys = records.length ? Object.keys(records[0].value as object) : [];
  return {
    file: input.name,
    format: formatFromName(stripGzip(input.name)),
    keys,
    mapping: summary.mapping,
    records,
    problems: log.problems,
  };
}
