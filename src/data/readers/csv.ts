/**
 * CSV and TSV, streamed row by row. Lines are gathered until their double quotes balance (RFC 4180: a quoted
 * field may span lines, `""` escapes a quote), then papaparse splits the row into fields. TSV has no quoting
 * (IANA text/tab-separated-values), so each line is a row and a stray `"` is just a character.
 */
import Papa from 'papaparse';
import { FileProblem } from '../problems';
import { readLines } from '../line-reader';
import type { ReadItem } from './read-item';

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** Rows of raw text with the line each starts on; a quoted field may continue over several lines. */
async function* csvRows(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  quoted: boolean,
): AsyncGenerator<{ line: number; text: string; error?: string }> {
  let parts: string[] = [];
  let startLine = 0;
  let quotes = 0;
  for await (const l of readLines(chunks, file)) {
    if (l.error !== undefined) {
      parts = [];
      quotes = 0;
      yield { line: l.line, text: '', error: l.error };
      continue;
    }
    if (parts.length === 0) startLine = l.line;
    parts.push(l.text);
    if (quoted) quotes += countQuotes(l.text);
    if (quotes % 2 === 0) {
      yield { line: startLine, text: parts.join('\n') };
      parts = [];
      quotes = 0;
    }
  }
  if (parts.length)
    yield { line: startLine, text: parts.join('\n'), error: 'a quoted field is never closed (missing ")' };
}

function splitRow(text: string, delimiter: string, quoted: boolean): { fields: string[]; error?: string } {
  // Without a quote character there is nothing for a CSV parser to do beyond the split.
  if (!quoted || !text.includes('"')) return { fields: text.split(delimiter) };
  const r = Papa.parse<string[]>(text, { delimiter, quoteChar: '"', header: false });
  const err = r.errors[0];
  return { fields: r.data[0] ?? [''], error: err ? `${err.message}` : undefined };
}

/** Records of a CSV (`delimiter` ',') or TSV ('\t') file, as objects keyed by the header row's names. */
export async function* readCsv(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
  delimiter: ',' | '\t',
): AsyncGenerator<ReadItem> {
  const quoted = delimiter === ',';
  let header: string[] | null = null;
  for await (const row of csvRows(chunks, file, quoted)) {
    if (row.error && !row.text) {
      yield { problem: { file, line: row.line, message: row.error } };
      continue;
    }
    if (row.text.trim() === '') continue;
    const { fields, error } = splitRow(row.text, delimiter, quoted);
    if (row.error || error) {
      yield {
        problem: { file, line: row.line, message: `invalid ${quoted ? 'CSV' : 'TSV'} row: ${row.error ?? error}` },
      };
      continue;
    }
    if (!header) {
      header = fields.map((f) => f.trim());
      continue;
    }
    if (fields.length > header.length) {
      const message = `row has ${fields.length} fields but the header has ${header.length} (an unquoted '${delimiter === ',' ? ',' : '\\t'}' inside a value?)`;
      yield { problem: { file, line: row.line, message } };
      continue;
    }
    const value: Record<string, string> = {};
    header.forEach((h, i) => {
      if (i < fields.length) value[h] = fields[i];
    });
    yield { record: { file, line: row.line, value } };
  }
  if (!header) throw new FileProblem({ file, message: 'empty file: no header row and no records' });
}
