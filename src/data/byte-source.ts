/**
 * Turns any `DatasetInput` into an async iterable of byte chunks with progress and cancellation, so every text
 * reader consumes the same thing whether the bytes came from memory, a `ReadableStream`, a Node stream or a File.
 */
import type { DatasetInput } from './types';
import { concatBytes } from '../util/concat-bytes';

/** Chunk size used when slicing in-memory bytes, so progress and cancellation still happen on big buffers. */
const SLICE_BYTES = 1 << 20;

/** Called after each chunk with the bytes read so far. */
export type ByteProgress = (bytesRead: number) => void;

/** Size of the input when it is known up front. */
export function inputSize(input: DatasetInput): number | null {
  if (input.size !== undefined) return input.size;
  if (input.bytes) return input.bytes.byteLength;
  if (input.blob) return input.blob.size;
  return null;
}

async function* fromReadableStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value) yield value;
    }
  } finally {
    // Ends the underlying source too (a file read) when the consumer stops early or is aborted.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function* fromBytes(bytes: Uint8Array): Generator<Uint8Array> {
  for (let i = 0; i < bytes.byteLength; i += SLICE_BYTES) yield bytes.subarray(i, i + SLICE_BYTES);
}

function rawChunks(input: DatasetInput): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (input.bytes) return fromBytes(input.bytes);
  if (input.blob) return fromReadableStream(input.blob.stream() as ReadableStream<Uint8Array>);
  const s = input.stream;
  if (!s) throw new Error(`${input.name}: the input has neither bytes, a stream nor a blob`);
  if ('getReader' in s) return fromReadableStream(s);
  return s;
}

/**
 * Chunks of `input`, in order. Checks `signal` before each chunk (throws its reason when aborted) and reports the
 * running byte count. Node `Buffer`s pass through as the `Uint8Array`s they are.
 */
export async function* byteChunks(
  input: DatasetInput,
  onBytes?: ByteProgress,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let read = 0;
  for await (const chunk of rawChunks(input)) {
    signal?.throwIfAborted();
    read += chunk.byteLength;
    yield chunk;
    onBytes?.(read);
  }
  signal?.throwIfAborted();
}

/** Reads a whole input into one buffer (Parquet needs random access to its footer). */
export async function readAll(input: DatasetInput, onBytes?: ByteProgress, signal?: AbortSignal): Promise<Uint8Array> {
  if (input.bytes) return input.bytes;
  const size = inputSize(input);
  if (size !== null) {
    // Known size: one buffer filled in place (collecting chunks and concatenating held the file twice).
    const out = new Uint8Array(size);
    let at = 0;
    for await (const c of byteChunks(input, onBytes, signal)) {
      if (at + c.byteLength > size) throw new Error(`${input.name}: grew while being read (more than ${size} bytes)`);
      out.set(c, at);
      at += c.byteLength;
    }
    return at === size ? out : out.subarray(0, at);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of byteChunks(input, onBytes, signal)) {
    parts.push(c);
    total += c.byteLength;
  }
  return concatBytes(parts, total);
}
