/**
 * PEFT LoRA adapter files: `adapter_config.json` + `adapter_model.safetensors` with keys
 * `base_model.model.<module path>.lora_A.weight` [rank, in] and `...lora_B.weight` [out, rank].
 *
 * Export writes F32 (or F16/BF16). The llama.cpp-ready variant folds each module's true scale into lora_B and
 * writes one consistent `lora_alpha`, because `convert_lora_to_gguf.py` keeps only `lora_alpha` (it ignores
 * `use_rslora` and `alpha_pattern`) and llama.cpp scales every tensor by lora_alpha / its rank.
 *
 * Import accepts PEFT's `.default` adapter-name keys, rsLoRA, rank/alpha patterns, F16/BF16, and checks every
 * module against the loaded base so a wrong adapter fails with a message instead of garbage output.
 *
 * DoRA (`use_dora: true`): each module also has `<module>.lora_magnitude_vector` [out], the key PEFT's
 * `save_and_load.py` writes (it strips the `.weight` of the `lora_magnitude_vector.<name>.weight` parameter; both
 * forms are read). llama.cpp has no DoRA adapters, so the llama.cpp-ready export refuses them.
 */
import { moduleSettings, type LinearSpec } from './config';
import { loraScale, type LoraConfig } from '../spec/lora-config';
import { doraRowNorms } from './dora';
import { LoraAdapter, type LoraModuleWeights } from './lora-adapter';
import { readJson, type ModelFiles } from '../spec/model-files';
import { fromPeftConfig, PeftFormatError, toPeftConfig, type PeftAdapterConfig } from '../formats/peft-config';
import {
  encodeSafetensors,
  readSafetensorsHeader,
  readTensorF32,
  type FloatDtype,
  type SafetensorsEntry,
} from '../formats/safetensors';

export { PeftFormatError, type PeftAdapterConfig } from '../formats/peft-config';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

export interface PeftExportOptions {
  /** `base_model_name_or_path` (HF id or folder); llama.cpp's converter needs it (or `--base`). */
  baseModel: string | null;
  /** Tensor dtype in the file (default F32). */
  dtype?: FloatDtype;
  /** Fold the true scale into lora_B and write a uniform lora_alpha (see the file comment). */
  llamaCpp?: boolean;
}

/** The two files of a PEFT adapter folder, by file name. */
export type PeftFiles = Record<typeof ADAPTER_CONFIG_FILE | typeof ADAPTER_WEIGHTS_FILE, Uint8Array>;

/** Writes `adapter` in PEFT format (reads the weights back from the backend). */
export async function exportPeft(adapter: LoraAdapter, opts: PeftExportOptions): Promise<PeftFiles> {
  const dtype = opts.dtype ?? 'F32';
  const weights = await adapter.weights();
  let config: LoraConfig = adapter.config;
  const fold = new Map<string, number>();
  if (opts.llamaCpp && adapter.isDora) {
    throw new PeftFormatError(
      'llama.cpp has no DoRA adapters: export the merged model instead (DoRA folded into the weights)',
    );
  }
  if (opts.llamaCpp) {
    // One alpha for every module; each lora_B absorbs true scale ÷ (alpha / its rank).
    config = { ...config, alpha: config.rank, useRslora: false, alphaPattern: {} };
    for (const [path, m] of adapter.modules) fold.set(path, m.scale / loraScale(m.rank, config.alpha, false));
  }
  const entries: SafetensorsEntry[] = [];
  for (const [path, m] of adapter.modules) {
    const w = weights.get(path)!;
    const f = fold.get(path) ?? 1;
    const b = f === 1 ? w.loraB : w.loraB.map((x) => x * f);
    entries.push({ name: `${PREFIX}${path}.lora_A.weight`, dtype, shape: [m.rank, m.inFeatures], data: w.loraA });
    entries.push({ name: `${PREFIX}${path}.lora_B.weight`, dtype, shape: [m.outFeatures, m.rank], data: b });
    if (w.magnitude)
      entries.push({
        name: `${PREFIX}${path}.lora_magnitude_vector`,
        dtype,
        shape: [m.outFeatures],
        data: w.magnitude,
      });
  }
  const names = [...adapter.modules.keys()].map((p) => p.slice(p.lastIndexOf('.') + 1));
  const json: PeftAdapterConfig = toPeftConfig(config, names, opts.baseModel);
  return {
    [ADAPTER_CONFIG_FILE]: new TextEncoder().encode(JSON.stringify(json, null, 2) + '\n'),
    [ADAPTER_WEIGHTS_FILE]: encodeSafetensors(entries, { format: 'pt' }),
  };
}

/** `base_model.model.<path>.lora_A[.<adapter name>].weight` → path and which factor; null for other keys. */
export function parseLoraKey(key: string): { path: string; factor: 'A' | 'B' } | null {
  const m = /^(?:base_model\.model\.)?(.+)\.lora_([AB])(?:\.[\w-]+)?\.weight$/.exec(key);
  return m ? { path: m[1], factor: m[2] as 'A' | 'B' } : null;
}

/** `base_model.model.<path>.lora_magnitude_vector[.<adapter name>][.weight]` → path; null for other keys. */
export function parseMagnitudeKey(key: string): string | null {
  const m = /^(?:base_model\.model\.)?(.+)\.lora_magnitude_vector(?:\.(?!weight$)[\w-]+)?(?:\.weight)?$/.exec(key);
  return m ? m[1] : null;
}

export interface ImportedAdapter {
  adapter: LoraAdapter;
  config: LoraConfig;
  baseModel: string | null;
}

/** Reads a PEFT adapter folder and builds it over the base's `linears`. The caller owns the adapter. */
export async function importPeft(files: ModelFiles, linears: readonly LinearSpec[]): Promise<ImportedAdapter> {
  const where = files.label;
  const available = await files.list();
  if (!available.includes(ADAPTER_CONFIG_FILE))
    throw new PeftFormatError(`${where}: ${ADAPTER_CONFIG_FILE} is missing`);
  if (!available.includes(ADAPTER_WEIGHTS_FILE)) {
    const bin = available.includes('adapter_model.bin')
      ? ' (adapter_model.bin is a pickle: re-save it with safe_serialization=True)'
      : '';
    throw new PeftFormatError(`${where}: ${ADAPTER_WEIGHTS_FILE} is missing${bin}`);
  }
  const header = await readSafetensorsHeader(files, ADAPTER_WEIGHTS_FILE);
  const pairs = new Map<string, { A?: string; B?: string }>();
  const magnitudes = new Map<string, string>();
  for (const key of header.tensors.keys()) {
    const parsed = parseLoraKey(key);
    const magnitudeOf = parsed ? null : parseMagnitudeKey(key);
    if (magnitudeOf !== null) {
      magnitudes.set(magnitudeOf, key);
      continue;
    }
    if (!parsed) {
      if (/lora_embedding_[AB]/.test(key))
        throw new PeftFormatError(`${where}: '${key}': LoRA on embeddings is not supported`);
      throw new PeftFormatError(`${where}: unexpected tensor '${key}' (only lora_A/lora_B weights can be loaded)`);
    }
    const p = pairs.get(parsed.path) ?? {};
    p[parsed.factor] = key;
    pairs.set(parsed.path, p);
  }
  const names = [...new Set([...pairs.keys()].map((p) => p.slice(p.lastIndexOf('.') + 1)))];
  const { config, baseModel } = fromPeftConfig(
    await readJson(files, ADAPTER_CONFIG_FILE),
    names,
    `${where}/${ADAPTER_CONFIG_FILE}`,
  );
  if (magnitudes.size > 0 && !config.useDora)
    throw new PeftFormatError(`${where}: DoRA magnitude tensors found but adapter_config.json has no "use_dora": true`);
  const byPath = new Map(linears.map((l) => [l.path, l]));
  const weights = new Map<string, LoraModuleWeights>();
  for (const [path, p] of pairs) {
    if (!p.A || !p.B)
      throw new PeftFormatError(
        `${where}: module '${path}' has lora_${p.A ? 'A' : 'B'} but no lora_${p.A ? 'B' : 'A'}`,
      );
    const spec = byPath.get(path);
    if (!spec) {
      throw new PeftFormatError(
        `${where}: the adapter has weights for '${path}', which the loaded base model does not have — it was trained for a different model`,
      );
    }
    const a = header.tensors.get(p.A)!;
    const b = header.tensors.get(p.B)!;
    const rank = a.shape[0];
    if (
      a.shape.length !== 2 ||
      b.shape.length !== 2 ||
      a.shape[1] !== spec.inFeatures ||
      b.shape[0] !== spec.outFeatures ||
      b.shape[1] !== rank
    ) {
      throw new PeftFormatError(
        `${where}: '${path}' has lora_A [${a.shape}] and lora_B [${b.shape}], but the base module is ${spec.outFeatures}×${spec.inFeatures} — the adapter was trained for a different model`,
      );
    }
    const implied = moduleSettings(config, path).rank;
    if (rank !== implied)
      throw new PeftFormatError(
        `${where}: '${path}' has rank ${rank} but adapter_config.json implies ${implied} (r / rank_pattern)`,
      );
    const w: LoraModuleWeights = {
      loraA: await readTensorF32(files, header, p.A),
      loraB: await readTensorF32(files, header, p.B),
    };
    if (config.useDora)
      w.magnitude = await readMagnitude(files, header, magnitudes.get(path), spec.outFeatures, `${where}: '${path}'`);
    weights.set(path, w);
  }
  if (weights.size === 0) throw new PeftFormatError(`${where}: ${ADAPTER_WEIGHTS_FILE} holds no LoRA weights`);
  const rowNorms = await doraRowNorms(config, linears, new Set(weights.keys()));
  return { adapter: LoraAdapter.fromWeights(config, linears, weights, rowNorms), config, baseModel };
}

async function readMagnitude(
  files: ModelFiles,
  header: Awaited<ReturnType<typeof readSafetensorsHeader>>,
  key: string | undefined,
  out: number,
  where: string,
): Promise<Float32Array> {
  if (!key)
    throw new PeftFormatError(`${where} has no lora_magnitude_vector, which a DoRA adapter (use_dora: true) needs`);
  const shape = header.tensors.get(key)!.shape;
  if (shape.reduce((n, d) => n * d, 1) !== out)
    throw new PeftFormatError(
      `${where}: lora_magnitude_vector [${shape}] does not match the ${out} outputs of the base module`,
    );
  return readTensorF32(files, header, key);
}
