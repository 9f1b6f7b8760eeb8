/**
 * safetensors reader over ranged reads of a `ModelFiles`: 8-byte little-endian header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {...}}`, then the raw tensor bytes.
 * The header is validated completely before any tensor is read, and its length is checked against the file
 * size before it is allocated, so a corrupt or hostile file fails fast with a message naming the file.
 * Spec: https://github.com/huggingface/safetensors#format
 */
import type { ModelFiles } from '../spec/model-files';
import {
  SAFETENSORS_DTYPE_BYTES,
  decodeFloats,
  isSafetensorsDtype,
  type FloatDtype,
  type SafetensorsDtype,
} from './safetensors-dtype';

export { encodeSafetensors, type SafetensorsEntry } from './safetensors-write';
export type { FloatDtype, SafetensorsDtype } from './safetensors-dtype';

/** The reference implementation refuses headers above 100 MB; so do we, before allocating. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header, with offsets made absolute within the file. */
export interface SafetensorsTensorInfo {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** Absolute byte range [begin, end) in the file. */
  readonly begin: number;
  readonly end: number;
}

/** A parsed, validated safetensors header. */
export interface SafetensorsHeader {
  /** File name within the `ModelFiles`. */
  readonly file: string;
  readonly fileSize: number;
  readonly tensors: ReadonlyMap<string, SafetensorsTensorInfo>;
  readonly metadata: Readonly<Record<string, string>>;
}

/** Error about one safetensors file; the message starts with `<origin>/<file>:`. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

function fail(files: ModelFiles, file: string, problem: string): never {
  throw new SafetensorsError(`${files.label}/${file}: ${problem}`);
}

/** Reads and validates the header of `file`. Reads only the first 8 + headerLength bytes. */
export async function readSafetensorsHeader(files: ModelFiles, file: string): Promise<SafetensorsHeader> {
  const fileSize = await files.size(file);
  if (fileSize === null) fail(files, file, 'file not found');
  if (fileSize < 8) fail(files, file, `too small to be safetensors (${fileSize} bytes; need at least 8)`);
  const lenBytes = await files.read(file, 0, 8);
  if (lenBytes.byteLength < 8) fail(files, file, 'truncated: could not read the 8-byte header length');
  const view = new DataView(lenBytes.buffer, lenBytes.byteOffset, 8);
  // Compared as a BigInt: Number() would round lengths above 2^53 and print a different value than the file holds.
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(fileSize - 8)) {
    fail(
      files,
      file,
      `header length ${declared} is larger than the file (${fileSize} bytes): truncated or not safetensors`,
    );
  }
  if (declared > BigInt(MAX_HEADER_BYTES))
    fail(files, file, `header length ${declared} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLen = Number(declared);
  const headerBytes = await files.read(file, 8, 8 + headerLen);
  if (headerBytes.byteLength !== headerLen) fail(files, file, 'truncated: header shorter than its declared length');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    fail(files, file, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    fail(files, file, 'header is not a JSON object');
  return parseHeaderObject(files, file, fileSize, 8 + headerLen, json as Record<string, unknown>);
}

function parseHeaderObject(
  files: ModelFiles,
  file: string,
  fileSize: number,
  dataStart: number,
  json: Record<string, unknown>,
): SafetensorsHeader {
  const tensors = new Map<string, SafetensorsTensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(json)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(files, file, entry);
      continue;
    }
    tensors.set(name, parseEntry(files, file, fileSize, dataStart, name, entry));
  }
  checkCoverage(files, file, fileSize, dataStart, tensors);
  return { file, fileSize, tensors, metadata };
}

/**
 * As the reference reader (`SafeTensors::validate`): the tensors' byte ranges, sorted, must tile the data section
 * exactly — no overlap (two tensors sharing bytes), no hole, nothing after the last tensor.
 */
function checkCoverage(
  files: ModelFiles,
  file: string,
  fileSize: number,
  dataStart: number,
  tensors: ReadonlyMap<string, SafetensorsTensorInfo>,
): void {
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = dataStart;
  let previous: string | null = null;
  for (const t of sorted) {
    if (t.begin < at) {
      fail(files, file, `tensor '${t.name}' [${t.begin - dataStart}, ${t.end - dataStart}) overlaps '${previous}'`);
    }
    if (t.begin > at) {
      fail(
        files,
        file,
        `${t.begin - at} bytes before tensor '${t.name}' are not covered by any tensor (a hole in data_offsets)`,
      );
    }
    at = t.end;
    previous = t.name;
  }
  if (at !== fileSize) {
    fail(
      files,
      file,
      `the last ${fileSize - at} bytes of the file are not covered by any tensor (data_offsets end at ` +
        `${at - dataStart}; truncated header or trailing data)`,
    );
  }
}

function parseMetadata(files: ModelFiles, file: string, entry: unknown): Record<string, string> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    fail(files, file, '__metadata__ is not an object');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(files, file, `__metadata__.${k} is not a string`);
    out[k] = v;
  }
  return out;
}

function parseEntry(
  files: ModelFiles,
  file: string,
  fileSize: number,
  dataStart: number,
  name: string,
  entry: unknown,
): SafetensorsTensorInfo {
  const where = `tensor '${name}'`;
  if (typeof entry !== 'object' || entry === null) fail(files, file, `${where}: entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (!isSafetensorsDtype(dtype)) fail(files, file, `${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(files, file, `${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(files, file, `${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
  }
  const [b, e] = offsets as [number, number];
  if (e < b) fail(files, file, `${where}: data_offsets [${b}, ${e}] end before begin`);
  const begin = dataStart + b;
  const end = dataStart + e;
  if (end > fileSize) {
    fail(files, file, `${where}: data ends at byte ${end} but the file has ${fileSize} bytes (truncated file?)`);
  }
  const elements = (shape as number[]).reduce((a, d) => a * d, 1);
  const expected = elements * SAFETENSORS_DTYPE_BYTES[dtype];
  if (expected !== e - b) {
    fail(files, file, `${where}: shape [${shape}] × ${dtype} needs ${expected} bytes but data_offsets span ${e - b}`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Reads one tensor (F32, F16 or BF16) as a fresh Float32Array. */
export async function readTensorF32(files: ModelFiles, header: SafetensorsHeader, name: string): Promise<Float32Array> {
  const info = header.tensors.get(name);
  if (!info) fail(files, header.file, `no tensor named '${name}'`);
  if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
    fail(files, header.file, `tensor '${name}' has dtype ${info.dtype}; only F32, F16 and BF16 weights are supported`);
  }
  const bytes = await readRange(files, header, info);
  return decodeFloats(bytes, info.dtype as FloatDtype);
}

/** Raw bytes of one tensor, checked to be complete (a file can shrink between header and data reads). */
export async function readRange(
  files: ModelFiles,
  header: SafetensorsHeader,
  info: SafetensorsTensorInfo,
): Promise<Uint8Array> {
  if (info.end === info.begin) return new Uint8Array(0);
  const bytes = await files.read(header.file, info.begin, info.end);
  if (bytes.byteLength !== info.end - info.begin) {
    fail(
      files,
      header.file,
      `truncated: tensor '${info.name}' got ${bytes.byteLength} of ${info.end - info.begin} bytes`,
    );
  }
  return bytes;
}
