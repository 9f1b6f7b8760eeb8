/**
 * `exportBundle`: a saved adapter as a GGUF adapter, a merged GGUF or a merged Hugging Face folder (or the loaded
 * base alone as GGUF), one download named after the adapter. The merge reads the base's own files (the session
 * keeps them), never the quantized copy on the device, and streams tensor by tensor into the picked file or a
 * Blob built in pieces. A failure aborts the picked file's write, so no partial file is left.
 */
import { bundleFileName, writeBundle, type BundleFormat } from '../../export/export-bundle';
import { adapterFacts, type AdapterFacts } from '../../export/model-card';
import type { ByteSink } from '../../formats/gguf-writer';
import { stackFactors, type Stacked } from '../../lora/merge';
import { InvalidRequestError } from '../../spec/errors';
import { openAdapter, readStoredAdapter } from '../adapters/open-adapter';
import type { HandlerSpec } from '../job';

/** Collects chunks into a Blob, folding them in every 64 MiB so the bytes live once (in the Blob). */
function blobSink(): ByteSink & { blob(): Blob; bytes: number } {
  let blob = new Blob([]);
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let bytes = 0;
  const fold = () => {
    blob = new Blob([blob, ...(parts as BlobPart[])]);
    parts = [];
    partBytes = 0;
  };
  return {
    async write(chunk) {
      parts.push(chunk.slice());
      partBytes += chunk.byteLength;
      bytes += chunk.byteLength;
      if (partBytes >= 64 << 20) fold();
    },
    blob() {
      fold();
      return blob;
    },
    get bytes() {
      return bytes;
    },
  };
}

export const exportBundleHandler: HandlerSpec<'exportBundle'> = {
  gpu: true,
  async run(params, job) {
    const session = job.state.session;
    const loaded = session.requireModel();
    const base = params.format === 'base-gguf';
    const format: BundleFormat = params.format === 'base-gguf' ? 'merged-gguf' : params.format;
    let factors: Map<string, Stacked> = new Map();
    let name = 'base';
    let facts: Omit<AdapterFacts, 'contents'> = {
      name,
      baseModel: loaded.info.id,
      rank: 0,
      alpha: 0,
      targets: [],
      useRslora: false,
      dataset: null,
      finalLoss: null,
    };
    if (!base) {
      const { record } = await readStoredAdapter(await job.state.db(), params.id);
      if (record.baseModel !== loaded.info.id) {
        throw new InvalidRequestError(
          `'${record.name}' was trained on ${record.baseModel}, but ${loaded.info.id} is loaded; load its base to export it.`,
        );
      }
      factors = await stackFactors(
        [{ adapter: await openAdapter(session, () => job.state.db(), params.id), weight: 1 }],
        { dora: 'fold' },
      );
      name = record.name;
      facts = adapterFacts(record);
    }
    const zip = !(params.target && params.bare) && !base;
    const fileName = base ? 'base.gguf' : bundleFileName(name, format, zip);
    const request = {
      format,
      dtype: params.dtype,
      facts,
      files: loaded.files,
      config: loaded.model.config,
      factors,
      zip,
      onTensor: (d: number, t: number) => job.progress('export', d, t, 'items'),
    };
    if (params.target) {
      const writable = await params.target.createWritable();
      let bytes = 0;
      try {
        await writeBundle(
          { write: async (c) => void (await writable.write(c as Uint8Array<ArrayBuffer>), (bytes += c.byteLength)) },
          request,
        );
        await writable.close();
      } catch (e) {
        await writable.abort().catch(() => undefined);
        throw e;
      }
      return { fileName, bytes, blob: null };
    }
    const sink = blobSink();
    await writeBundle(sink, request);
    return { fileName, bytes: sink.bytes, blob: sink.blob() };
  },
};
