/**
 * Format from the file name, and the checks on a file's first bytes that catch the classic mistakes before any
 * parsing: a zip/gzip/Parquet/image saved as `.jsonl`, a UTF-16 export from Excel, a file that is not text at all.
 */
import { FileProblem } from './problems';
import type { DatasetFormat } from './types';

const EXTENSIONS: Record<string, DatasetFormat> = {
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  txt: 'text',
  md: 'text',
  markdown: 'text',
  text: 'text',
  parquet: 'parquet',
};

/** The format a file name's extension implies, or null for an extension we do not read. */
export function formatFromName(name: string): DatasetFormat | null {
  const dot = name.lastIndexOf('.');
  if (dot < 0) return null;
  return EXTENSIONS[name.slice(dot + 1).toLowerCase()] ?? null;
}

/** Extensions we accept, for file pickers and error messages (text formats may also end in `.gz`). */
export const SUPPORTED_EXTENSIONS = [...Object.keys(EXTENSIONS).map((e) => `.${e}`), '.gz'];

interface Magic {
  bytes: number[];
  what: string;
  hint: string;
}

const MAGICS: Magic[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a zip archive (or .xlsx/.docx)', hint: 'unzip it, or export as CSV/JSONL' },
  { bytes: [0x1f, 0x8b], what: 'a gzip archive', hint: 'add .gz to its name (train.jsonl.gz) or decompress it' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'a zstd archive', hint: 'decompress it first' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'an xz archive', hint: 'decompress it first' },
  { bytes: [0x42, 0x5a, 0x68], what: 'a bzip2 archive', hint: 'decompress it first' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], what: 'a 7z archive', hint: 'extract it first' },
  { bytes: [0x50, 0x41, 0x52, 0x31], what: 'a Parquet file', hint: 'rename it to .parquet' },
  { bytes: [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31], what: 'an Arrow file', hint: 'export it as Parquet or JSONL' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document', hint: 'extract its text first' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image', hint: 'pick the dataset file instead' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image', hint: 'pick the dataset file instead' },
  { bytes: [0x47, 0x49, 0x46, 0x38], what: 'a GIF image', hint: 'pick the dataset file instead' },
  { bytes: [0x7f, 0x45, 0x4c, 0x46], what: 'an executable (ELF)', hint: 'pick the dataset file instead' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database', hint: 'export a table as CSV/JSONL' },
];

function startsWith(head: Uint8Array, sig: readonly number[]): boolean {
  if (head.length < sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (head[i] !== sig[i]) return false;
  return true;
}

/** Bytes inspected for NULs: enough to catch binaries, small enough to be free. */
const SNIFF_BYTES = 8192;

/**
 * Why the first bytes of a file that should be text are not text, or null when they look like text. Catches
 * known binary signatures, UTF-16/32 byte-order marks and NUL bytes (which no text dataset contains).
 */
export function binaryReason(head: Uint8Array): string | null {
  for (const m of MAGICS) {
    if (startsWith(head, m.bytes)) return `binary file with a text extension: this is ${m.what}; ${m.hint}`;
  }
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    return 'the file is UTF-16 encoded (as Excel and Notepad sometimes save); save it as UTF-8';
  }
  const n = Math.min(head.length, SNIFF_BYTES);
  for (let i = 0; i < n; i++) {
    if (head[i] === 0) return `binary file with a text extension: NUL byte at offset ${i}; this is not a text file`;
  }
  return null;
}

/** True when the Parquet magic `PAR1` opens the file. */
export function hasParquetMagic(head: Uint8Array): boolean {
  return startsWith(head, [0x50, 0x41, 0x52, 0x31]);
}

/**
 * Passes chunks through after checking the first `SNIFF_BYTES` (gathered across chunks however small) with
 * `binaryReason`; throws `FileProblem` for a binary file.
 */
export async function* textGuard(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  const head: Uint8Array[] = [];
  let size = 0;
  let checked = false;
  const check = (): Uint8Array[] => {
    const all = new Uint8Array(size);
    let at = 0;
    for (const h of head) {
      all.set(h, at);
      at += h.length;
    }
    const reason = binaryReason(all);
    if (reason) throw new FileProblem({ file, message: reason });
    checked = true;
    return head;
  };
  for await (const chunk of chunks) {
    if (checked) {
      yield chunk;
      continue;
    }
    head.push(chunk);
    size += chunk.length;
    if (size >= SNIFF_BYTES) yield* check();
  }
  if (!checked && size > 0) yield* check();
}
