/**
 * Streams lines out of byte chunks with bounded memory: only the unfinished last line is carried between chunks.
 * Lines are split on the byte 0x0A, which never occurs inside a multi-byte UTF-8 sequence, so a character split
 * across two chunks is reassembled before decoding; each line is then decoded strictly, so a non-UTF-8 byte is
 * reported on its own line instead of poisoning the rest of the file.
 */
import { FileProblem } from './problems';
import { textGuard } from './sniff';
import { decodeUtf8 } from './utf8';
import { concatBytes } from '../util/concat-bytes';

/** A line of a text file: decoded, or the reason it could not be. `line` is 1-based. */
export type TextLine =
  { line: number; text: string; error?: undefined } | { line: number; text?: undefined; error: string };

/** Longest line we hold in memory; a longer one is almost always a binary or a minified single-line file. */
export const MAX_LINE_BYTES = 256 << 20;

function decodeLine(bytes: Uint8Array, line: number): TextLine {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0d) end--; // CRLF files
  let start = 0;
  // A UTF-8 byte-order mark on the first line is not content.
  if (line === 1 && end >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  const r = decodeUtf8(bytes.subarray(start, end));
  return r.ok ? { line, text: r.text } : { line, error: r.message };
}

/**
 * Lines of a text file, in order. Throws `FileProblem` when the first bytes show a binary file. A final line
 * without a trailing newline is still a line; an empty file yields nothing.
 */
export async function* readLines(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<TextLine> {
  let carry: Uint8Array[] = [];
  let carryBytes = 0;
  let line = 0;
  for await (const chunk of textGuard(chunks, file)) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      const bytes = carry.length ? concatBytes([...carry, piece], carryBytes + piece.length) : piece;
      carry = [];
      carryBytes = 0;
      yield decodeLine(bytes, ++line);
      start = nl + 1;
    }
    if (start < chunk.length) {
      // Copy (Uint8Array's slice, also for Node Buffers): the producer may reuse its chunk buffer.
      carry.push(Uint8Array.prototype.slice.call(chunk, start));
      carryBytes += chunk.length - start;
      if (carryBytes > MAX_LINE_BYTES) {
        throw new FileProblem({ file, line: line + 1, message: `line longer than ${MAX_LINE_BYTES >> 20} MiB` });
      }
    }
  }
  if (carryBytes > 0) yield decodeLine(concatBytes(carry, carryBytes), ++line);
}
