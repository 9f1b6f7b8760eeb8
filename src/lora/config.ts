/**
 * Which modules of a model a `LoraConfig` (src/spec/lora-config.ts) adapts, and with what rank, alpha and scale
 * once PEFT's per-module patterns are applied.
 */
import { loraScale, targetNames, type LoraConfig } from '../spec/lora-config';
import { InputError } from '../spec/input-error';
import { compilePattern, type PatternMatcher } from '../formats/pattern-match';

/** A frozen linear the adapter may attach to. */
export interface LinearSpec {
  /** HF module path, e.g. `model.layers.0.self_attn.q_proj`. */
  path: string;
  inFeatures: number;
  outFeatures: number;
  /** ‖W_o‖ of the base weight per output row (dequantized); needed to create or load a DoRA module. */
  rowNorms?: () => Promise<Float32Array>;
}

/** The resolved settings of one adapted module. */
export interface ModuleSettings {
  path: string;
  rank: number;
  alpha: number;
  scale: number;
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
  if (!Number.isInteger(rank) || rank <= 0)
    throw new Error(`${path}: LoRA rank must be a positive integer, got ${rank}`);
  return { path, rank, alpha, scale: loraScale(rank, alpha, config.useRslora) };
}

/**
 * A rank above min(in, out) adds parameters but no expressiveness (B·A has rank ≤ min(in, out)) and a huge one
 * runs out of memory allocating A, so it is refused before anything is allocated.
 */
export function checkRankFits(rank: number, spec: LinearSpec, what = 'LoRA rank'): void {
  const most = Math.min(spec.inFeatures, spec.outFeatures);
  if (rank > most) {
    throw new InputError(
      `${what} ${rank} is larger than ${spec.path} (${spec.outFeatures}×${spec.inFeatures}) allows; use a rank ≤ ${most}`,
    );
  }
}

/** LoRA-attachable specs of a model's frozen linears (`DecoderModel.linears()`), in model order. */
export function specsOf(
  linears: ReadonlyMap<
    string,
    { inFeatures: number; outFeatures: number; weightRowNorms?: () => Promise<Float32Array> }
  >,
): LinearSpec[] {
  return [...linears].map(([path, l]) => ({
    path,
    inFeatures: l.inFeatures,
    outFeatures: l.outFeatures,
    ...(l.weightRowNorms ? { rowNorms: () => l.weightRowNorms!() } : {}),
  }));
}
