/**
 * Where a multi-file export (a merged Hugging Face folder, a PEFT folder) goes: a folder on disk in Node, a zip
 * stream or a picked directory in the browser. Files are written one at a time, each streamed in chunks.
 */
import type { ByteSink } from '../formats/gguf-writer';

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
          const size = chunks.reduce((a, c) => a + c.byteLength, 0);
          const out = new Uint8Array(size);
          let at = 0;
          for (const c of chunks) {
            out.set(c, at);
            at += c.byteLength;
          }
          files.set(name, out);
        },
      };
    },
  };
}
