/**
 * `adapter_config.json` ⇄ `LoraConfig`. Field names and defaults follow PEFT's `LoraConfig` so that PEFT, vLLM
 * and llama.cpp's `convert_lora_to_gguf.py` read what we write, and we read what PEFT writes.
 */
import { LINEAR_MODULE_NAMES } from '../spec/modules';
import { type LoraConfig } from '../spec/lora-config';
import { checkAlpha } from '../spec/lora-config';
import { compilePattern } from './pattern-match';

/** The subset of PEFT's adapter_config.json we write and understand. */
export interface PeftAdapterConfig {
  peft_type: 'LORA';
  task_type: 'CAUSAL_LM';
  base_model_name_or_path: string | null;
  revision: string | null;
  r: number;
  lora_alpha: number;
  lora_dropout: number;
  target_modules: string[];
  layers_to_transform: number[] | null;
  layers_pattern: string | null;
  use_rslora: boolean;
  use_dora: boolean;
  bias: 'none';
  fan_in_fan_out: false;
  init_lora_weights: boolean | 'gaussian';
  rank_pattern: Record<string, number>;
  alpha_pattern: Record<string, number>;
  modules_to_save: null;
  inference_mode: boolean;
}

/** Thrown when an adapter cannot be used with the loaded base or is not a LoRA we support. */
export class PeftFormatError extends Error {
  override name = 'PeftFormatError';
}

/** Module names in canonical (model) order, unknown ones after. */
function orderedNames(names: readonly string[]): string[] {
  const known = LINEAR_MODULE_NAMES.filter((n) => names.includes(n));
  return [...known, ...names.filter((n) => !(LINEAR_MODULE_NAMES as readonly string[]).includes(n)).sort()];
}

/** The PEFT config for an adapter whose modules use the given names. */
export function toPeftConfig(
  c: LoraConfig,
  moduleNames: readonly string[],
  baseModel: string | null,
): PeftAdapterConfig {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    revision: null,
    r: c.rank,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    target_modules: orderedNames([...new Set(moduleNames)]),
    layers_to_transform: c.layers ? [...c.layers] : null,
    layers_pattern: null,
    use_rslora: c.useRslora,
    use_dora: c.useDora === true,
    bias: 'none',
    fan_in_fan_out: false,
    init_lora_weights: c.init === 'gaussian' ? 'gaussian' : true,
    rank_pattern: { ...c.rankPattern },
    alpha_pattern: { ...c.alphaPattern },
    modules_to_save: null,
    inference_mode: true,
  };
}

/** rank_pattern / alpha_pattern: every key compiles (bounded matcher) and every value passes `check`. */
function numberMap(
  v: unknown,
  field: string,
  where: string,
  check: (x: number, what: string) => void,
): Record<string, number> {
  if (v == null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new PeftFormatError(`${where}: ${field} must be an object`);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number') throw new PeftFormatError(`${where}: ${field}.${k} must be a number`);
    try {
      compilePattern(k);
      check(x, `${field}.${k}`);
    } catch (e) {
      throw new PeftFormatError(`${where}: ${(e as Error).message}`);
    }
    out[k] = x;
  }
  return out;
}

function checkRank(r: number, what: string): void {
  if (!Number.isInteger(r) || r <= 0) throw new Error(`${what} must be a positive integer, got ${r}`);
}

/**
 * PEFT refuses a config whose target_modules match no module ("Target modules … not found in the base model");
 * here the modules are those the adapter's weights name. A name matches a module name or a dotted suffix of it.
 */
function checkTargetsMatch(targets: readonly string[], presentNames: readonly string[], where: string): void {
  if (presentNames.length === 0 || targets.some((t) => presentNames.includes(t.slice(t.lastIndexOf('.') + 1)))) return;
  throw new PeftFormatError(
    `${where}: target_modules [${targets.join(', ')}] match none of the adapter's modules ` +
      `(${presentNames.join(', ')}); the config does not belong to these weights`,
  );
}

/**
 * Reads a PEFT adapter_config.json into a `LoraConfig`. `presentNames` (module names found in the weights) stand
 * in for `target_modules` when that is a regex string. Unsupported features fail with a message saying which.
 */
export function fromPeftConfig(
  json: unknown,
  presentNames: readonly string[],
  where = 'adapter_config.json',
): { config: LoraConfig; baseModel: string | null } {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new PeftFormatError(`${where}: not a JSON object`);
  const raw = json as Record<string, unknown>;
  const type = raw.peft_type ?? 'LORA';
  if (type !== 'LORA')
    throw new PeftFormatError(`${where}: peft_type ${JSON.stringify(type)} is not supported (only LORA)`);
  if (raw.fan_in_fan_out === true)
    throw new PeftFormatError(`${where}: fan_in_fan_out adapters (GPT-2 Conv1D layout) are not supported`);
  if (raw.bias !== undefined && raw.bias !== 'none')
    throw new PeftFormatError(`${where}: bias ${JSON.stringify(raw.bias)} is not supported (only "none")`);
  const mts = raw.modules_to_save;
  if (Array.isArray(mts) && mts.length > 0) {
    throw new PeftFormatError(
      `${where}: modules_to_save (${mts.join(', ')}) is not supported: only LoRA matrices can be loaded`,
    );
  }
  const rank = raw.r;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank <= 0)
    throw new PeftFormatError(`${where}: r must be a positive integer`);
  if (raw.lora_alpha !== undefined && typeof raw.lora_alpha !== 'number')
    throw new PeftFormatError(`${where}: lora_alpha must be a number`);
  const alpha = typeof raw.lora_alpha === 'number' ? raw.lora_alpha : 8; // PEFT's default lora_alpha
  try {
    checkAlpha(alpha, 'lora_alpha');
  } catch (e) {
    throw new PeftFormatError(`${where}: ${(e as Error).message}`);
  }
  const tm = raw.target_modules;
  const targets = Array.isArray(tm) ? (tm.filter((x) => typeof x === 'string') as string[]) : [...presentNames];
  if (Array.isArray(tm)) checkTargetsMatch(targets, presentNames, where);
  const ltt = raw.layers_to_transform;
  const layers = typeof ltt === 'number' ? [ltt] : Array.isArray(ltt) ? (ltt as number[]) : null;
  const config: LoraConfig = {
    rank,
    alpha,
    dropout: typeof raw.lora_dropout === 'number' ? raw.lora_dropout : 0,
    targets: targets.length ? targets : [...presentNames],
    layers,
    useRslora: raw.use_rslora === true,
    init: raw.init_lora_weights === 'gaussian' ? 'gaussian' : 'kaiming',
    rankPattern: numberMap(raw.rank_pattern, 'rank_pattern', where, checkRank),
    alphaPattern: numberMap(raw.alpha_pattern, 'alpha_pattern', where, checkAlpha),
  };
  if (raw.use_dora === true) config.useDora = true;
  const baseModel = typeof raw.base_model_name_or_path === 'string' ? raw.base_model_name_or_path : null;
  return { config, baseModel };
}
