/**
 * Parquet (the Hugging Face datasets default) through hyparquet, one row group at a time so only one group's rows
 * are in memory. Supported columns: strings, and lists of `{role, content}`-like structs (chat messages); other
 * columns (ids, scores, embeddings) are not read at all. A column we need with another type is an "unsupported
 * schema" problem for the whole file.
 */
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
  type FileMetaData,
  type SchemaTree,
} from 'hyparquet';
// hyparquet alone reads Snappy and uncompressed pages; datasets also come with ZSTD, GZIP, Brotli and LZ4.
import { compressors } from 'hyparquet-compressors';
import { readAll, type ByteProgress } from '../byte-source';
import { FileProblem } from '../problems';
import { hasParquetMagic } from '../sniff';
import type { DatasetInput } from '../types';
import { exactBuffer } from '../../util/exact-buffer';
import type { ReadItem } from './read-item';

/** What a top-level Parquet column holds, as far as datasets care. */
export type ParquetColumnKind = 'string' | 'struct-list' | 'other';

/** Names that hold record fields in the shapes we detect; any of these with an unusable type is an error. */
const FIELD_COLUMNS = new Set([
  'text',
  'prompt',
  'completion',
  'instruction',
  'input',
  'output',
  'system',
  'messages',
  'conversations',
]);

function isString(t: SchemaTree): boolean {
  const e = t.element;
  return t.children.length === 0 && e.type === 'BYTE_ARRAY' && e.repetition_type !== 'REPEATED';
}

function isStringStruct(t: SchemaTree): boolean {
  return t.children.length > 0 && t.children.every((c) => isString(c) || c.children.length > 0);
}

/** Kind of one top-level column: a 3-level LIST (or legacy repeated group) of structs counts as messages. */
export function columnKind(t: SchemaTree): ParquetColumnKind {
  if (isString(t)) return 'string';
  const e = t.element;
  if (e.converted_type === 'LIST' || e.logical_type?.type === 'LIST') {
    const repeated = t.children[0];
    const item = repeated?.children.length === 1 ? repeated.children[0] : repeated;
    if (item && isStringStruct(item)) return 'struct-list';
  } else if (e.repetition_type === 'REPEATED' && isStringStruct(t)) return 'struct-list';
  return 'other';
}

function typeName(t: SchemaTree): string {
  const e = t.element;
  if (t.children.length === 0) return [e.type, e.converted_type ?? e.logical_type?.type].filter(Boolean).join('/');
  const kind = e.converted_type ?? e.logical_type?.type ?? 'STRUCT';
  return `${kind}<${t.children.map((c) => `${c.element.name}: ${typeName(c)}`).join(', ')}>`;
}

function blobBuffer(blob: Blob): AsyncBuffer {
  return { byteLength: blob.size, slice: (start, end) => blob.slice(start, end).arrayBuffer() };
}

async function openFile(input: DatasetInput, onBytes?: ByteProgress, signal?: AbortSignal): Promise<AsyncBuffer> {
  if (input.blob) return blobBuffer(input.blob);
  // hyparquet reads the whole ArrayBuffer, so a view into a larger one must become exactly its bytes.
  return exactBuffer(await readAll(input, onBytes, signal));
}

/** The columns we read, or a `FileProblem` explaining why the schema is unsupported. */
function usableColumns(metadata: FileMetaData, file: string): string[] {
  const tree = parquetSchema(metadata);
  const usable: string[] = [];
  const all: string[] = [];
  for (const col of tree.children) {
    const kind = columnKind(col);
    all.push(`${col.element.name}: ${typeName(col)}`);
    if (kind !== 'other') usable.push(col.element.name);
    else if (FIELD_COLUMNS.has(col.element.name)) {
      const message = `unsupported Parquet schema: column "${col.element.name}" is ${typeName(col)}; expected a string or a list of {role, content} structs`;
      throw new FileProblem({ file, field: col.element.name, message });
    }
  }
  if (usable.length === 0) {
    const message = `unsupported Parquet schema: no string or message-list column (columns: ${all.join('; ') || 'none'})`;
    throw new FileProblem({ file, message });
  }
  return usable;
}

/** Records of a Parquet file, row group by row group; `onBytes` gets progress as the share of rows read. */
export async function* readParquet(
  input: DatasetInput,
  onBytes?: ByteProgress,
  signal?: AbortSignal,
): AsyncGenerator<ReadItem> {
  const file = input.name;
  const buf = await openFile(input, input.blob ? undefined : onBytes, signal);
  if (buf.byteLength === 0) throw new FileProblem({ file, message: 'empty file' });
  const head = new Uint8Array(await buf.slice(0, 4));
  if (!hasParquetMagic(head))
    throw new FileProblem({ file, message: 'not a Parquet file: the PAR1 signature is missing' });
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buf);
  } catch (e) {
    throw new FileProblem({ file, message: `unreadable Parquet file: ${(e as Error).message}` });
  }
  const columns = usableColumns(metadata, file);
  const total = Number(metadata.num_rows);
  if (total === 0) throw new FileProblem({ file, message: 'empty file: the Parquet file has no rows' });
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    signal?.throwIfAborted();
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buf, metadata, columns, rowStart, rowEnd, compressors });
    } catch (e) {
      throw new FileProblem({
        file,
        row: rowStart + 1,
        message: `unreadable Parquet row group: ${(e as Error).message}`,
      });
    }
    for (let i = 0; i < rows.length; i++) yield { record: { file, row: rowStart + i + 1, value: rows[i] } };
    rowStart = rowEnd;
    onBytes?.(Math.round((buf.byteLength * rowStart) / total));
  }
}
