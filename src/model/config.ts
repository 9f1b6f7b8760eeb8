/**
 * Hugging Face `config.json` → a normalized `ModelConfig`. Every Llama-family difference the forward pass needs
 * (GQA, head_dim ≠ hidden/heads, q/k/v bias, per-head q/k RMSNorm, rope scaling, tied embeddings) becomes an
 * explicit field here, so the forward code never reads raw config keys.
 */
import { readJson, type ModelFiles } from '../spec/model-files';

export const SUPPORTED_FAMILIES = ['llama', 'mistral', 'qwen2', 'qwen3'] as const;
export type ModelFamily = (typeof SUPPORTED_FAMILIES)[number];

/**
 * RoPE frequency scaling. `llama3`: Llama 3.1/3.2 wavelength-dependent remap; `linear`: positions divided by
 * `factor` (equivalently every inverse frequency divided by it).
 */
export type RopeScaling =
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    }
  | { type: 'linear'; factor: number };

export interface ModelConfig {
  family: ModelFamily;
  /** `architectures[0]` when given, for display. */
  architecture: string;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  /** Per-head dimension; `heads * headDim` may differ from `hidden` (Qwen3). */
  headDim: number;
  intermediate: number;
  vocab: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: RopeScaling | null;
  tieWordEmbeddings: boolean;
  /** q/k/v projections carry a bias (Qwen2 always; Llama with `attention_bias`). */
  qkvBias: boolean;
  /** o_proj carries a bias (Llama `attention_bias` only). */
  oBias: boolean;
  /** gate/up/down carry a bias (Llama `mlp_bias`). */
  mlpBias: boolean;
  /** Per-head RMSNorm on q and k before RoPE (Qwen3). */
  qkNorm: boolean;
  maxPositionEmbeddings: number;
  /** Mistral's sliding attention window (a query sees keys with `q - k < window`), or null. */
  slidingWindow: number | null;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

/** Thrown for configs the engine cannot run; the message is meant for the user. */
export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
}

type Raw = Record<string, unknown>;

function num(raw: Raw, key: string, where: string, fallback?: number): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (fallback !== undefined) return fallback;
    throw new ModelConfigError(`${where}: missing "${key}"`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelConfigError(`${where}: "${key}" is not a number`);
  return v;
}

/** A number that must be > 0 (eps, theta, scaling factors): ≤ 0 gives NaN or infinite activations. */
function positive(raw: Raw, key: string, where: string, fallback?: number): number {
  const v = num(raw, key, where, fallback);
  if (!(v > 0)) throw new ModelConfigError(`${where}: "${key}" must be > 0, got ${v}`);
  return v;
}

function posInt(raw: Raw, key: string, where: string, fallback?: number): number {
  const v = num(raw, key, where, fallback);
  if (!Number.isInteger(v) || v <= 0)
    throw new ModelConfigError(`${where}: "${key}" must be a positive integer, got ${v}`);
  return v;
}

/**
 * The deepest published decoders have ~126 layers; a config claiming more than this is corrupt or hostile, and
 * code that builds per-layer lists from it (merge, expected tensors) would run out of memory.
 */
export const MAX_LAYERS = 1024;

function layerCount(raw: Raw, where: string): number {
  const n = posInt(raw, 'num_hidden_layers', where);
  if (n > MAX_LAYERS)
    throw new ModelConfigError(`${where}: "num_hidden_layers" is ${n}, more than the ${MAX_LAYERS} any real model has`);
  return n;
}

function familyOf(raw: Raw, where: string): ModelFamily {
  const type = raw.model_type;
  const supported = SUPPORTED_FAMILIES.join(', ');
  if (typeof type !== 'string') {
    throw new ModelConfigError(`${where}: missing "model_type"; supported: ${supported}`);
  }
  if (!(SUPPORTED_FAMILIES as readonly string[]).includes(type)) {
    throw new ModelConfigError(`unsupported architecture ${type}; supported: ${supported} (${where})`);
  }
  return type as ModelFamily;
}

function parseRopeScaling(raw: Raw, where: string): RopeScaling | null {
  const rs = raw.rope_scaling as Raw | null | undefined;
  if (rs === undefined || rs === null) return null;
  const type = rs.rope_type ?? rs.type;
  const w = `${where}: rope_scaling`;
  if (type === 'default') return null;
  if (type === 'linear') return { type: 'linear', factor: positive(rs, 'factor', w) };
  if (type === 'llama3') {
    // transformers' _validate_llama3_parameters: positive factors and high_freq_factor > low_freq_factor (the
    // smoothing between them divides by their difference).
    const scaling = {
      type: 'llama3' as const,
      factor: positive(rs, 'factor', w),
      lowFreqFactor: positive(rs, 'low_freq_factor', w),
      highFreqFactor: positive(rs, 'high_freq_factor', w),
      originalMaxPositionEmbeddings: posInt(rs, 'original_max_position_embeddings', w),
    };
    if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
      throw new ModelConfigError(
        `${w}: high_freq_factor (${scaling.highFreqFactor}) must be greater than low_freq_factor (${scaling.lowFreqFactor})`,
      );
    }
    return scaling;
  }
  throw new ModelConfigError(
    `${w}: type ${JSON.stringify(type)} is not supported (supported: default, linear, llama3)`,
  );
}

function tokenIds(v: unknown): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is number => typeof x === 'number');
  return [];
}

/** Normalizes a parsed config.json. `where` names the source in error messages. */
export function parseModelConfig(json: unknown, where = 'config.json'): ModelConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelConfigError(`${where}: not a JSON object`);
  const raw = json as Raw;
  const family = familyOf(raw, where);
  const act = raw.hidden_act ?? raw.hidden_activation ?? 'silu';
  if (act !== 'silu') throw new ModelConfigError(`${where}: hidden_act "${String(act)}" is not supported (only silu)`);
  const hidden = posInt(raw, 'hidden_size', where);
  const heads = posInt(raw, 'num_attention_heads', where);
  const kvHeads = posInt(raw, 'num_key_value_heads', where, heads);
  if (heads % kvHeads !== 0) {
    throw new ModelConfigError(
      `${where}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`,
    );
  }
  const headDim = raw.head_dim == null ? hidden / heads : posInt(raw, 'head_dim', where);
  if (!Number.isInteger(headDim))
    throw new ModelConfigError(`${where}: hidden_size ${hidden} is not divisible by ${heads} heads`);
  if (headDim % 2 !== 0) throw new ModelConfigError(`${where}: head_dim ${headDim} must be even for RoPE`);
  const llamaBias = family === 'llama' || family === 'mistral' ? raw.attention_bias === true : false;
  if (family === 'qwen2' && raw.use_sliding_window === true) {
    // Qwen2 applies the window only to layers ≥ max_window_layers; no released Qwen2/2.5 checkpoint enables it.
    throw new ModelConfigError(`${where}: qwen2 with use_sliding_window is not supported`);
  }
  const useSliding = family === 'mistral';
  const sliding = raw.sliding_window;
  return {
    family,
    architecture:
      Array.isArray(raw.architectures) && typeof raw.architectures[0] === 'string' ? raw.architectures[0] : family,
    hidden,
    layers: layerCount(raw, where),
    heads,
    kvHeads,
    headDim,
    intermediate: posInt(raw, 'intermediate_size', where),
    vocab: posInt(raw, 'vocab_size', where),
    rmsNormEps: positive(raw, 'rms_norm_eps', where, 1e-6),
    ropeTheta: positive(raw, 'rope_theta', where, 10000),
    ropeScaling: parseRopeScaling(raw, where),
    // transformers defaults tie_word_embeddings to false for all four families.
    tieWordEmbeddings: raw.tie_word_embeddings === true,
    qkvBias: family === 'qwen2' ? true : llamaBias,
    oBias: llamaBias,
    mlpBias: family === 'llama' && raw.mlp_bias === true,
    qkNorm: family === 'qwen3',
    maxPositionEmbeddings: posInt(raw, 'max_position_embeddings', where, 2048),
    slidingWindow: useSliding && typeof sliding === 'number' && sliding > 0 ? sliding : null,
    bosTokenId: typeof raw.bos_token_id === 'number' ? raw.bos_token_id : null,
    eosTokenIds: tokenIds(raw.eos_token_id),
  };
}

/** The `architectures[0]` class transformers uses for each family. */
const ARCHITECTURE_OF: Record<ModelFamily, string> = {
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/**
 * A warning when `architectures[0]` names another model class than `model_type` implies (a hand-edited or
 * mislabelled config): the engine follows model_type, as transformers' AutoConfig does.
 */
export function architectureWarning(c: ModelConfig, where = 'config.json'): string | null {
  const expected = ARCHITECTURE_OF[c.family];
  if (c.architecture === c.family || c.architecture === expected) return null;
  return `${where}: architectures says ${c.architecture} but model_type is ${c.family} (${expected}); loading it as ${c.family}`;
}

/** Reads and normalizes `config.json`; fails before any weight is touched. Warnings go to `onWarning`. */
export async function loadModelConfig(files: ModelFiles, onWarning?: (message: string) => void): Promise<ModelConfig> {
  if ((await files.size('config.json')) === null) {
    throw new ModelConfigError(`${files.label}/config.json: missing (a Hugging Face model folder needs config.json)`);
  }
  const where = `${files.label}/config.json`;
  const config = parseModelConfig(await readJson(files, 'config.json'), where);
  const warning = architectureWarning(config, where);
  if (warning) onWarning?.(warning);
  return config;
}
