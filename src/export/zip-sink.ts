/**
 * A streamed zip as a `FolderSink`: each file is stored (no compression: weights barely compress) and its bytes pass
 * straight through to the underlying `ByteSink` as they are written, so a merged model is never held whole to be
 * zipped. fflate emits synchronously; writes to the sink are chained so they land in order and are awaited.
 * (fflate writes no Zip64: one archive must stay under 4 GiB; single GGUF files are saved unzipped instead.)
 */
import { Zip, ZipPassThrough } from 'fflate';
import type { ByteSink } from '../formats/gguf-writer';
import type { FolderSink } from './folder-sink';

export interface ZipSink extends FolderSink {
  /** Writes the central directory and waits for every byte to reach the sink. */
  finish(): Promise<void>;
}

export function zipSink(out: ByteSink, folder?: string): ZipSink {
  let pending: Promise<void> = Promise.resolve();
  let failure: unknown = null;
  const zip = new Zip((err, data) => {
    if (err) failure = err;
    else pending = pending.then(() => out.write(data));
  });
  const settle = async () => {
    await pending;
    if (failure) throw failure;
  };
  return {
    async file(name) {
      const entry = new ZipPassThrough(folder ? `${folder}/${name}` : name);
      zip.add(entry);
      return {
        async write(chunk) {
          entry.push(chunk);
          await settle(); // back-pressure: at most one chunk in flight
        },
        async close() {
          entry.push(new Uint8Array(0), true);
          await settle();
        },
      };
    },
    async finish() {
      zip.end();
      await settle();
    },
  };
}
