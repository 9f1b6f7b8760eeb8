/**
 * `export --model DIR --adapter DIR[:W]... --format peft|gguf-adapter|merged|merged-gguf
 *  [--dtype f32|f16|bf16|q8_0|q4_0] --out PATH`
 * - `peft`: a PEFT folder (a weighted mix is concatenated, exact);
 * - `gguf-adapter`: llama.cpp's LoRA GGUF (f32, f16, q8_0), plus `<out>.Modelfile` for Ollama;
 * - `merged`: a Hugging Face folder with W + Σ wᵢ·sᵢ·BᵢAᵢ (f32, f16, bf16; default: the base's dtype);
 * - `merged-gguf`: the merged model as a llama.cpp GGUF (f32, f16, bf16, q8_0, q4_0; default f16), plus
 *   `<out>.Modelfile`. With no `--adapter` it converts the base alone (the `FROM` of an adapter's Modelfile).
 * Nothing partial is left behind on any failure.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { initNodeBackend } from '../../backend/node';
import { exportPeft, importPeft } from '../../lora/peft';
import { writeFileAtomically, writeFolderAtomically } from '../../export/file-sink.node.js';
import { writeWholeFile } from '../../export/folder-sink';
import { ggufArchitecture, GgufExportError } from '../../export/gguf-arch';
import { writeGgufAdapter, type AdapterGgufType } from '../../export/gguf-adapter';
import { writeGgufModel, type ModelGgufType } from '../../export/gguf-model';
import { modelfileTokenFacts } from '../../export/gguf-tokenizer';
import { writeMergedHf } from '../../export/merged-hf';
import { openMergedWeights } from '../../export/merged-weights';
import { modelfile } from '../../export/modelfile';
import { checkSameBase } from '../../export/same-base';
import type { FloatDtype } from '../../formats/safetensors';
import { openAdapterSource } from '../../lora/adapter-folders.node.js';
import type { LinearSpec } from '../../lora/config';
import type { LoraAdapter } from '../../lora/lora-adapter';
import { mergeConcat, stackFactors, type Stacked } from '../../lora/merge';
import { openCheckpoint } from '../../model/checkpoint';
import { loadModelConfig, type ModelConfig } from '../../model/config';
import { layerLinearShapes } from '../../model/memory-estimate';
import type { ModelFiles } from '../../spec/model-files';
import { linearPath } from '../../model/weights';
import { CliError, flag, parseFlags, refuseControlChars, type CliCommand } from '../command';
import { parseAdapterFlags, type AdapterSpec } from './adapter-flags';
import { asCliError, modelFolderFlag } from './score';

const FORMATS = ['peft', 'gguf-adapter', 'merged', 'merged-gguf'] as const;
type Format = (typeof FORMATS)[number];

/** dtypes each format takes, and its default (null: the base checkpoint's own float dtype). */
const DTYPES: Record<Format, { allowed: string[]; fallback: string | null }> = {
  peft: { allowed: ['f32', 'f16', 'bf16'], fallback: 'f32' },
  'gguf-adapter': { allowed: ['f32', 'f16', 'q8_0'], fallback: 'f32' },
  merged: { allowed: ['f32', 'f16', 'bf16'], fallback: null },
  'merged-gguf': { allowed: ['f32', 'f16', 'bf16', 'q8_0', 'q4_0'], fallback: 'f16' },
};

function linearSpecs(config: ModelConfig): LinearSpec[] {
  const out: LinearSpec[] = [];
  for (let i = 0; i < config.layers; i++) {
    for (const l of layerLinearShapes(config))
      out.push({ path: linearPath(i, l.name), inFeatures: l.shape[1], outFeatures: l.shape[0] });
  }
  return out;
}

/** The base's stored dtype (its first projection's), for `merged` without `--dtype`. */
async function baseDtype(files: ModelFiles): Promise<string> {
  const ckpt = await openCheckpoint(files);
  const info = ckpt.locate(`${linearPath(0, 'q_proj')}.weight`)?.info;
  return info && (info.dtype === 'F16' || info.dtype === 'BF16') ? info.dtype.toLowerCase() : 'f32';
}

interface Loaded {
  inputs: { adapter: LoraAdapter; weight: number; baseModel: string | null; source: string }[];
  dispose(): void;
}

async function loadAdapters(specs: readonly AdapterSpec[], linears: readonly LinearSpec[]): Promise<Loaded> {
  const inputs: Loaded['inputs'] = [];
  const dispose = () => inputs.forEach((i) => i.adapter.dispose());
  try {
    for (const s of specs) {
      const { adapter, baseModel } = await importPeft(await openAdapterSource(s.dir), linears);
      inputs.push({ adapter, weight: s.weight, baseModel, source: s.dir });
    }
    checkSameBase(inputs.map((i) => ({ source: i.source, baseModel: i.baseModel })));
  } catch (e) {
    dispose();
    throw new CliError((e as Error).message);
  }
  return { inputs, dispose };
}

function modelfileBeside(out: string, body: string): Promise<void> {
  const target = `${out.replace(/\.gguf$/i, '')}.Modelfile`;
  return writeFileAtomically(target, (sink) => sink.write(new TextEncoder().encode(body)));
}

async function run(
  format: Format,
  dtype: string,
  out: string,
  files: ModelFiles,
  config: ModelConfig,
  loaded: Loaded,
): Promise<Record<string, unknown>> {
  const name = path.basename(out).replace(/\.gguf$/i, '');
  const mixes = loaded.inputs.map(({ adapter, weight }) => ({ adapter, weight }));
  const factors: Map<string, Stacked> = mixes.length ? await stackFactors(mixes, { dora: 'fold' }) : new Map();
  if (format === 'gguf-adapter') {
    const type = dtype.toUpperCase() as AdapterGgufType;
    const layout = await writeFileAtomically(out, (sink) => writeGgufAdapter(sink, config, factors, { type, name }));
    const tok = await modelfileTokenFacts(files, config);
    await modelfileBeside(
      out,
      modelfile({
        from: './base.gguf',
        adapter: `./${path.basename(out)}`,
        stopTokens: tok.stopTokens,
        chatTemplate: tok.chatTemplate,
      }),
    );
    return { bytes: layout.totalBytes, modules: factors.size };
  }
  if (format === 'merged-gguf') {
    const weights = await openMergedWeights(files, config, factors);
    const type = dtype.toUpperCase() as ModelGgufType;
    const { layout, tokenizer } = await writeFileAtomically(out, (sink) =>
      writeGgufModel(sink, files, config, weights, { type, name }),
    );
    await modelfileBeside(
      out,
      modelfile({
        from: `./${path.basename(out)}`,
        stopTokens: tokenizer.stopTokens,
        chatTemplate: tokenizer.chatTemplate,
      }),
    );
    return { bytes: layout.totalBytes, tensors: weights.tensors.length };
  }
  if (format === 'merged') {
    const weights = await openMergedWeights(files, config, factors);
    const result = await writeFolderAtomically(out, (sink) =>
      writeMergedHf(sink, files, weights, { dtype: dtype.toUpperCase() as FloatDtype }),
    );
    return { ...result };
  }
  const single = mixes.length === 1 && mixes[0].weight === 1;
  const adapter = single ? mixes[0].adapter : await mergeConcat(mixes, linearSpecs(config));
  try {
    const written = await exportPeft(adapter, {
      baseModel: loaded.inputs[0].baseModel ?? files.label,
      dtype: dtype.toUpperCase() as FloatDtype,
    });
    await writeFolderAtomically(out, async (sink) => {
      for (const [file, bytes] of Object.entries(written)) await writeWholeFile(sink, file, bytes);
    });
    return { modules: adapter.modules.size, rank: adapter.config.rank };
  } finally {
    if (!single) adapter.dispose();
  }
}

/**
 * Refuses an `--out` the format cannot use, before any work: a folder format onto a file, a file format onto a
 * folder, and control characters in the name (the name is written into the Modelfile, one directive a line).
 */
async function checkOut(out: string, format: Format): Promise<void> {
  refuseControlChars('out', out);
  const info = await stat(out).catch(() => null);
  const folder = format === 'peft' || format === 'merged';
  if (info && folder && !info.isDirectory())
    throw new CliError(`--out ${out} is a file; ${format} writes a folder, give a folder path`);
  if (info && !folder && info.isDirectory())
    throw new CliError(`--out ${out} is a folder; ${format} writes one file, give a FILE.gguf path`);
}

export const exportCommand: CliCommand = {
  summary: 'export adapters for other tools: PEFT, llama.cpp GGUF adapter, merged HF folder, merged GGUF',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const format = flag(flags, 'format') as Format | undefined;
    if (!format || !FORMATS.includes(format))
      throw new CliError(`--format must be one of ${FORMATS.join(', ')}; got '${format ?? ''}'`);
    const out = flag(flags, 'out');
    if (!out || out === 'true')
      throw new CliError(`--out ${format === 'merged' || format === 'peft' ? 'DIR' : 'FILE.gguf'} is required`);
    await checkOut(out, format);
    const specs = parseAdapterFlags(flags);
    if (specs.length === 0 && (format === 'peft' || format === 'gguf-adapter'))
      throw new CliError('pass at least one --adapter DIR[:WEIGHT]');
    const files = await modelFolderFlag(flags);
    const config = await loadModelConfig(files).catch(asCliError);
    const dtype = (
      flag(flags, 'dtype') ??
      DTYPES[format].fallback ??
      (await baseDtype(files).catch(asCliError))
    ).toLowerCase();
    if (!DTYPES[format].allowed.includes(dtype))
      throw new CliError(`--dtype for ${format} must be one of ${DTYPES[format].allowed.join(', ')}; got '${dtype}'`);
    try {
      if (format === 'gguf-adapter' || format === 'merged-gguf') ggufArchitecture(config);
    } catch (e) {
      throw new CliError((e as Error).message);
    }
    await initNodeBackend('cpu');
    const loaded = await loadAdapters(specs, linearSpecs(config));
    const started = Date.now();
    try {
      const result = await run(format, dtype, out, files, config, loaded);
      process.stdout.write(
        JSON.stringify({
          format,
          dtype,
          out: path.resolve(out),
          adapters: specs.length,
          ...result,
          millis: Date.now() - started,
        }) + '\n',
      );
      return 0;
    } catch (e) {
      if (
        e instanceof GgufExportError ||
        /disk is full|does not have|a different base|not found/.test((e as Error).message)
      )
        throw new CliError((e as Error).message);
      throw asCliError(e);
    } finally {
      loaded.dispose();
    }
  },
};
