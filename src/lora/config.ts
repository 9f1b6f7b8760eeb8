/**
 * What a LoRA adapter is, independent of its weights: rank, alpha, scaling rule, which modules it targets, and
 * PEFT's per-module overrides. Names follow PEFT's `LoraConfig` so `adapter_config.json` maps one-to-one.
 */
import { LINEAR_MODULE_NAMES } from '../model/linear';
import { InputError } from '../util/input-error';
import { compilePattern, type PatternMatcher } from './pattern-match';

/** PEFT `init_lora_weights`: `true` = Kaiming-uniform A, `"gaussian"` = N(0, (1/r)²) A; B is zero in both. */
export type LoraInit = 'kaiming' | 'gaussian';

export interface LoraConfig {
  rank: number;
  alpha: number;
  /** Dropout probability on the LoRA input path (training only). */
  dropout: number;
  /** 'all-linear' (q,k,v,o,gate,up,down) or module names such as ['q_proj', 'v_proj']. */
  targets: 'all-linear' | string[];
  /** Layer indices to adapt (PEFT `layers_to_transform`); null = all layers. */
  layers: number[] | null;
  /** rsLoRA: scale = alpha/√rank instead of alpha/rank (https://arxiv.org/abs/2312.03732). */
  useRslora: boolean;
  init: LoraInit;
  /** PEFT `rank_pattern`: key (module name or regex suffix of the path) → rank. */
  rankPattern: Record<string, number>;
  /** PEFT `alpha_pattern`: key → alpha. */
  alphaPattern: Record<string, number>;
}

export const DEFAULT_LORA_CONFIG: LoraConfig = {
  rank: 8,
  alpha: 16,
  dropout: 0.05,
  targets: 'all-linear',
  layers: null,
  useRslora: false,
  init: 'kaiming',
  rankPattern: {},
  alphaPattern: {},
};

/** A frozen linear the adapter may attach to. */
export interface LinearSpec {
  /** HF module path, e.g. `model.layers.0.self_attn.q_proj`. */
  path: string;
  inFeatures: number;
  outFeatures: number;
}

/** The resolved settings of one adapted module. */
export interface ModuleSettings {
  path: string;
  rank: number;
  alpha: number;
  scale: number;
}

/** LoRA scale for a rank/alpha pair. */
export function loraScale(rank: number, alpha: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
}

/** The module names a config targets. */
export function targetNames(config: Pick<LoraConfig, 'targets'>): string[] {
  return config.targets === 'all-linear' ? [...LINEAR_MODULE_NAMES] : config.targets;
}

/** Layer index of a module path (`model.layers.12.mlp.up_proj` → 12), or null. */
export function layerIndex(path: string): number | null {
  const m = /(?:^|\.)layers\.(\d+)\./.exec(path);
  return m ? Number(m[1]) : null;
}

/**
 * PEFT's pattern lookup (`get_pattern_key`): the first key that matches the end of the module path at a dot
 * boundary, treated as a regex, wins. Keys go through a backtracking-free matcher (see pattern-match.ts), so a key
 * like `(.+)+X` costs linear time instead of hanging.
 */
export function patternValue(pattern: Record<string, number>, path: string): number | undefined {
  for (const [key, value] of Object.entries(pattern)) {
    if (compiledPattern(key).matches(path)) return value;
  }
  return undefined;
}

const compiled = new Map<string, PatternMatcher>();

function compiledPattern(key: string): PatternMatcher {
  let m = compiled.get(key);
  if (!m) {
    m = compilePattern(key);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, m);
  }
  return m;
}

/** The largest lora_alpha accepted: far above any published adapter (≤ 1024), far below float32 overflow. */
export const MAX_LORA_ALPHA = 1e6;

/** Throws unless `alpha` is finite, > 0 and ≤ {@link MAX_LORA_ALPHA}; `what` names the field. */
export function checkAlpha(alpha: number, what: string): void {
  if (!(Number.isFinite(alpha) && alpha > 0 && alpha <= MAX_LORA_ALPHA)) {
    throw new InputError(`${what} must be a number in (0, ${MAX_LORA_ALPHA}], got ${alpha} (a huge alpha turns every output into NaN)`);
  }
}

/** Whether `path` is adapted under `config`. */
export function isTargeted(config: LoraConfig, path: string): boolean {
  const name = path.slice(path.lastIndexOf('.') + 1);
  if (!targetNames(config).includes(name)) return false;
  if (config.layers === null) return true;
  const layer = layerIndex(path);
  return layer !== null && config.layers.includes(layer);
}

/** Rank, alpha and scale of one module after the patterns are applied. */
export function moduleSettings(config: LoraConfig, path: string): ModuleSettings {
  const rank = patternValue(config.rankPattern, path) ?? config.rank;
  const alpha = patternValue(config.alphaPattern, path) ?? config.alpha;
  if (!Number.isInteger(rank) || rank <= 0) throw new Error(`${path}: LoRA rank must be a positive integer, got ${rank}`);
  return { path, rank, alpha, scale: loraScale(rank, alpha, config.useRslora) };
}

/**
 * A rank above min(in, out) adds parameters but no expressiveness (B·A has rank ≤ min(in, out)) and a huge one
 * runs out of memory allocating A, so it is refused before anything is allocated.
 */
export function checkRankFits(rank: number, spec: LinearSpec, what = 'LoRA rank'): void {
  const most = Math.min(spec.inFeatures, spec.outFeatures);
  if (rank > most) {
    throw new InputError(`${what} ${rank} is larger than ${spec.path} (${spec.outFeatures}×${spec.inFeatures}) allows; use a rank ≤ ${most}`);
  }
}

/** Throws a clear error for configs no trainer should start with. */
export function validateLoraConfig(config: LoraConfig): void {
  if (!Number.isInteger(config.rank) || config.rank <= 0) throw new Error(`LoRA rank must be a positive integer, got ${config.rank}`);
  checkAlpha(config.alpha, 'LoRA alpha');
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error(`LoRA dropout must be in [0, 1), got ${config.dropout}`);
  if (config.targets !== 'all-linear' && config.targets.length === 0) throw new Error('LoRA targets: name at least one module');
}

/** LoRA-attachable specs of a model's frozen linears (`DecoderModel.linears()`), in model order. */
export function specsOf(linears: ReadonlyMap<string, { inFeatures: number; outFeatures: number }>): LinearSpec[] {
  return [...linears].map(([path, l]) => ({ path, inFeatures: l.inFeatures, outFeatures: l.outFeatures }));
}
