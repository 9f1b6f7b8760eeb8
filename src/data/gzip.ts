/**
 * Gzip-compressed text datasets (`train.jsonl.gz`, `data.csv.gz`: how many Hugging Face repositories ship
 * them), decompressed as a stream with fflate so a large file is never inflated whole in memory.
 */
import { Gunzip } from 'fflate';
import { FileProblem } from './problems';

const GUNZIP_PIECE = 16 << 10;

/** True for names like `train.jsonl.gz`. */
export function isGzipName(name: string): boolean {
  return name.toLowerCase().endsWith('.gz');
}

/** The name without its `.gz` (which tells the format inside). */
export function stripGzip(name: string): string {
  return isGzipName(name) ? name.slice(0, -3) : name;
}

/** Decompressed chunks of a gzip stream (multi-member files included); corrupt input is a `FileProblem`. */
export async function* gunzipChunks(chunks: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const gunzip = new Gunzip((data) => out.push(data));
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      gunzip.push(chunk, final);
    } catch (e) {
      throw new FileProblem({ file, message: `not a valid gzip file: ${(e as Error).message}` });
    }
  };
  for await (const chunk of chunks) {
    // Fed in small pieces: deflate expands up to ~1032×, so a 256 KiB read chunk of a gzip bomb would inflate
    // to ~264 MB before the first yield; 16 KiB pieces keep that under ~17 MB.
    for (let at = 0; at < chunk.byteLength; at += GUNZIP_PIECE) {
      push(chunk.subarray(at, at + GUNZIP_PIECE), false);
      yield* out.splice(0);
    }
  }
  push(new Uint8Array(0), true);
  yield* out.splice(0);
}
