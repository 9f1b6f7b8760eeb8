/**
 * Where a multi-file export (a merged Hugging Face folder, a PEFT folder) goes: a folder on disk in Node, a zip
 * stream or a picked directory in the browser. Files are written one at a time, each streamed in chunks.
 */
import type { ByteSink } from '../formats/gguf-writer';
import { concatBytes } from '../util/concat-bytes';

/** One file being written. */
export interface FileWriter extends ByteSink {
  close(): Promise<void>;
}

export interface FolderSink {
  /** Starts file `name` (a plain file name, no folders); the previous file must be closed first. */
  file(name: string): Promise<FileWriter>;
}

/** Writes a whole small file. */
export async function writeWholeFile(sink: FolderSink, name: string, bytes: Uint8Array | string): Promise<void> {
  const f = await sink.file(name);
  await f.write(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  await f.close();
}

/** A folder held in memory (tests, small exports that are zipped whole). */
export function memoryFolderSink(): FolderSink & { files: Map<string, Uint8Array> } {
  const files = new Map<string, Uint8Array>();
  return {
    files,
    async file(name) {
      const chunks: Uint8Array[] = [];
      return {
        async write(chunk) {
          chunks.push(chunk.slice());
        },
        async close() {
          // Each chunk was copied on write, so a single one can be kept as it is.
          files.set(name, concatBytes(chunks));
        },
      };
    },
  };
}
