/**
 * One download per export, named after the adapter: the GGUF adapter, the merged GGUF or the merged Hugging Face
 * folder, each with an Ollama Modelfile (GGUF) and the README model card, as a streamed zip — or, for a single
 * GGUF written to a file the user picked, the GGUF alone. Shared by the studio's engine worker; the CLI writes
 * the same pieces to disk.
 */
import type { ByteSink } from '../formats/gguf-writer';
import type { Stacked } from '../lora/merge';
import type { ModelConfig } from '../model/config';
import type { ModelFiles } from '../spec/model-files';
import { writeGgufAdapter, type AdapterGgufType } from './gguf-adapter';
import { writeGgufModel, type ModelGgufType } from './gguf-model';
import { modelfileTokenFacts } from './gguf-tokenizer';
import { writeWholeFile } from './folder-sink';
import { writeMergedHf } from './merged-hf';
import { openMergedWeights } from './merged-weights';
import { modelCard, type AdapterFacts } from './model-card';
import { modelfile, type ModelfileInput } from './modelfile';
import { exportFileNames } from './use-with';
import { zipSink } from './zip-sink';
import { BUNDLE_DTYPES, type BundleFormat } from './bundle-names';

export { BUNDLE_DTYPES, bundleFileName, type BundleFormat } from './bundle-names';
import type { FloatDtype } from '../formats/safetensors-dtype';

export interface BundleRequest {
  format: BundleFormat;
  /** GGUF: F32/F16/Q8_0 (adapter) or F32/F16/BF16/Q8_0/Q4_0 (merged); merged folder: F32/F16/BF16. */
  dtype: string;
  facts: Omit<AdapterFacts, 'contents'>;
  files: ModelFiles;
  config: ModelConfig;
  factors: ReadonlyMap<string, Stacked>;
  /** false: write the single GGUF itself (a picked file) instead of a zip. */
  zip: boolean;
  onTensor?(done: number, total: number): void;
}

/** Writes the export to `out`. */
export async function writeBundle(out: ByteSink, req: BundleRequest): Promise<void> {
  if (!BUNDLE_DTYPES[req.format].includes(req.dtype))
    throw new Error(`${req.format} takes ${BUNDLE_DTYPES[req.format].join(', ')}; got ${req.dtype}`);
  const names = exportFileNames(req.facts.name);
  if (!req.zip && req.format === 'merged') throw new Error('a merged folder is always zipped');
  if (!req.zip) {
    if (req.format === 'gguf-adapter')
      await writeGgufAdapter(out, req.config, req.factors, {
        type: req.dtype as AdapterGgufType,
        name: req.facts.name,
      });
    else
      await writeGgufModel(out, req.files, req.config, await openMergedWeights(req.files, req.config, req.factors), {
        type: req.dtype as ModelGgufType,
        name: req.facts.name,
        onTensor: req.onTensor,
      });
    return;
  }
  const zip = zipSink(out, names.stem);
  const card = (contents: string) => modelCard({ ...req.facts, contents });
  /** The Ollama Modelfile for `from` (plus `adapter`) and the model card saying the zip holds `contents`. */
  const ggufExtras = async (
    gguf: Pick<ModelfileInput, 'stopTokens' | 'chatTemplate'>,
    files: { from: string; adapter?: string },
    contents: string,
  ) => {
    const paths = { from: `./${files.from}`, adapter: files.adapter && `./${files.adapter}` };
    await writeWholeFile(zip, names.modelfile, modelfile({ ...paths, ...gguf }));
    await writeWholeFile(zip, 'README.md', card(contents));
  };
  if (req.format === 'merged') {
    const weights = await openMergedWeights(req.files, req.config, req.factors);
    await writeMergedHf(zip, req.files, weights, {
      dtype: req.dtype as FloatDtype,
      onTensor: req.onTensor,
      extraFiles: { 'README.md': card(`the base with the adapter merged in, a Hugging Face folder (${req.dtype})`) },
    });
  } else if (req.format === 'gguf-adapter') {
    const f = await zip.file(names.adapterGguf);
    await writeGgufAdapter(f, req.config, req.factors, { type: req.dtype as AdapterGgufType, name: req.facts.name });
    await f.close();
    await ggufExtras(
      await modelfileTokenFacts(req.files, req.config),
      { from: names.baseGguf, adapter: names.adapterGguf },
      `GGUF LoRA adapter (${req.dtype}) for llama.cpp and Ollama; ${names.baseGguf} is the base as a merged GGUF export with no adapter`,
    );
  } else {
    const f = await zip.file(names.mergedGguf);
    const weights = await openMergedWeights(req.files, req.config, req.factors);
    const { tokenizer } = await writeGgufModel(f, req.files, req.config, weights, {
      type: req.dtype as ModelGgufType,
      name: req.facts.name,
      onTensor: req.onTensor,
    });
    await f.close();
    await ggufExtras(
      tokenizer,
      { from: names.mergedGguf },
      `the base with the adapter merged in, one GGUF (${req.dtype}) for llama.cpp, Ollama and LM Studio`,
    );
  }
  await zip.finish();
}
