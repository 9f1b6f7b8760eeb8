/**
 * One input file → validated examples. Picks the reader for the file's format, detects the record shape from the
 * first record (unless the user gave a mapping), and checks every record against it: a record of another shape
 * is a "mixed shapes" problem, a record lacking a field a "missing field" problem, and so on. Problems that end
 * the file (empty, binary, no usable column) are logged once and the file yields nothing more.
 */
import { byteChunks, type ByteProgress } from './byte-source';
import { gunzipChunks, isGzipName, stripGzip } from './gzip';
import { normalizeRecord } from './normalize';
import { FileProblem, type ProblemLog } from './problems';
import { readCsv } from './readers/csv';
import { readJson } from './readers/json';
import { readJsonl } from './readers/jsonl';
import { readParquet } from './readers/parquet';
import type { ReadItem } from './readers/read-item';
import { readText } from './readers/text';
import { detectMapping, hasRequiredKeys, missingKey, noShapeMessage, requiredKeys, SHAPE_LABELS } from './shape';
import { formatFromName, SUPPORTED_EXTENSIONS } from './sniff';
import type { ColumnMapping, DatasetFormat, DatasetInput, FileSummary, NormalizedExample, SourceRecord } from './types';

/** A validated example and where it came from. */
export interface LocatedExample {
  example: NormalizedExample;
  source: SourceRecord;
}

function reader(
  input: DatasetInput,
  format: DatasetFormat,
  onBytes?: ByteProgress,
  signal?: AbortSignal,
): AsyncGenerator<ReadItem> {
  if (format === 'parquet') return readParquet(input, onBytes, signal);
  // Progress counts compressed bytes, which is what the file size is in.
  const raw = byteChunks(input, onBytes, signal);
  const chunks = isGzipName(input.name) ? gunzipChunks(raw, input.name) : raw;
  switch (format) {
    case 'jsonl':
      return readJsonl(chunks, input.name);
    case 'json':
      return readJson(chunks, input.name);
    case 'csv':
      return readCsv(chunks, input.name, ',');
    case 'tsv':
      return readCsv(chunks, input.name, '\t');
    case 'text':
      return readText(chunks, input.name);
  }
}

/** Columnar formats share one header: a record without a usable shape means the whole file has none. */
const COLUMNAR = new Set<DatasetFormat>(['csv', 'tsv', 'parquet']);

function where(s: SourceRecord): string {
  return s.line !== undefined ? `line ${s.line}` : `row ${s.row}`;
}

/** Checks one record against the file's mapping; returns the example or logs the problem. */
function check(
  rec: SourceRecord,
  mapping: ColumnMapping,
  first: SourceRecord,
  overridden: boolean,
  log: ProblemLog,
): NormalizedExample | null {
  const value = rec.value as Record<string, unknown>;
  const at = { file: rec.file, line: rec.line, row: rec.row };
  if (!overridden && !hasRequiredKeys(mapping, value)) {
    const own = detectMapping(Object.keys(value), value);
    const message =
      own && own.shape !== mapping.shape
        ? `mixed shapes: this record is ${SHAPE_LABELS[own.shape]} but the file's first record (${where(first)}) is ${SHAPE_LABELS[mapping.shape]}`
        : `missing field "${missingKey(mapping, value)}": ${SHAPE_LABELS[mapping.shape]} records need ${requiredKeys(mapping)}; found ${
            Object.keys(value)
              .map((k) => `"${k}"`)
              .join(', ') || 'no fields'
          }`;
    log.add({ ...at, message });
    return null;
  }
  const r = normalizeRecord(value, mapping);
  if (r.error) {
    log.add({ ...at, field: r.error.field, message: r.error.message });
    return null;
  }
  return r.example;
}

/**
 * Validated examples of one file, in file order. `summary` is filled in as the file is read (format, mapping,
 * counts). Problems go to `log`; the caller's policy decides what they mean.
 */
export async function* readFileExamples(
  input: DatasetInput,
  override: ColumnMapping | undefined,
  log: ProblemLog,
  summary: FileSummary,
  onBytes?: ByteProgress,
  signal?: AbortSignal,
): AsyncGenerator<LocatedExample> {
  const format = formatFromName(stripGzip(input.name));
  if (!format || (format === 'parquet' && isGzipName(input.name))) {
    log.add({ file: input.name, message: `unsupported file type; expected one of ${SUPPORTED_EXTENSIONS.join(', ')}` });
    return;
  }
  summary.format = format;
  let mapping: ColumnMapping | null = override ?? null;
  summary.mapping = mapping;
  let first: SourceRecord | null = null;
  try {
    for await (const item of reader(input, format, onBytes, signal)) {
      if (item.problem) {
        log.add(item.problem);
        if (!item.structural) {
          summary.records++;
          summary.badRecords++;
        }
        continue;
      }
      summary.records++;
      const rec = item.record;
      if (!mapping) {
        const keys = Object.keys(rec.value as object);
        mapping = detectMapping(keys, rec.value as Record<string, unknown>);
        if (!mapping) {
          const columnar = COLUMNAR.has(format);
          log.add({
            file: rec.file,
            line: columnar ? undefined : rec.line,
            row: columnar ? undefined : rec.row,
            message: noShapeMessage(keys, columnar ? 'columns' : 'keys'),
          });
          summary.badRecords++;
          if (columnar) return;
          continue;
        }
        summary.mapping = mapping;
      }
      first ??= rec;
      const example = check(rec, mapping, first, override !== undefined, log);
      if (example) yield { example, source: rec };
      else summary.badRecords++;
    }
  } catch (e) {
    if (!(e instanceof FileProblem)) throw e;
    const p = e.problem;
    // A problem in the middle of a file (a mid-file encoding error) stops the reader: say so, nothing is silent.
    log.add(
      summary.records > 0
        ? { ...p, message: `${p.message}; reading stopped here, after ${summary.records} records` }
        : p,
    );
  }
}
