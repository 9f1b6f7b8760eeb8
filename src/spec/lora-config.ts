/**
 * What a LoRA adapter is, independent of its weights and of the model: rank, alpha, the scaling rule, which modules
 * it targets and PEFT's per-module overrides. Names follow PEFT's `LoraConfig` so `adapter_config.json` maps
 * one-to-one; which modules of a given model this selects is `src/lora/config.ts`.
 */
import { InvalidRequestError } from './errors';
import { InputError } from './input-error';
import { LINEAR_MODULE_NAMES } from './modules';
import { ProblemList, problemsMessage, show, type SpecProblem } from './problems';

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
  /**
   * DoRA (PEFT `use_dora`, https://arxiv.org/abs/2402.09353): a trainable magnitude per output feature rescales
   * the adapted weight's row norms (`src/lora/dora.ts`). Optional so configs saved before DoRA read as plain LoRA.
   */
  useDora?: boolean;
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

/** LoRA scale for a rank/alpha pair: alpha/rank, or alpha/√rank with rsLoRA. */
export function loraScale(rank: number, alpha: number, useRslora: boolean): number {
  return useRslora ? alpha / Math.sqrt(rank) : alpha / rank;
}

/** The largest lora_alpha accepted: far above any published adapter (≤ 1024), far below float32 overflow. */
export const MAX_LORA_ALPHA = 1e6;

/** Whether `alpha` is finite, > 0 and ≤ {@link MAX_LORA_ALPHA}. */
function alphaFits(alpha: number): boolean {
  return Number.isFinite(alpha) && alpha > 0 && alpha <= MAX_LORA_ALPHA;
}

/** Throws unless `alpha` is finite, > 0 and ≤ {@link MAX_LORA_ALPHA}; `what` names the field. */
export function checkAlpha(alpha: number, what: string): void {
  if (!alphaFits(alpha)) {
    throw new InputError(
      `${what} must be a number in (0, ${MAX_LORA_ALPHA}], got ${alpha} (a huge alpha turns every output into NaN)`,
    );
  }
}

/** The module names a config targets. */
export function targetNames(config: Pick<LoraConfig, 'targets'>): string[] {
  return config.targets === 'all-linear' ? [...LINEAR_MODULE_NAMES] : config.targets;
}

/** Everything wrong with `config` for a trainer to start with; empty when it is fine. */
export function loraConfigProblems(config: LoraConfig): SpecProblem[] {
  const p = new ProblemList();
  p.integer(config.rank, 'lora.rank', 'LoRA rank');
  p.check(
    alphaFits(config.alpha),
    'lora.alpha',
    `LoRA alpha must be a number above 0 and at most ${MAX_LORA_ALPHA} (got ${show(config.alpha)}); a huge alpha turns every output into NaN.`,
  );
  p.check(
    config.dropout >= 0 && config.dropout < 1,
    'lora.dropout',
    `LoRA dropout must be at least 0 and below 1 (got ${show(config.dropout)}).`,
  );
  p.check(
    config.targets === 'all-linear' || (Array.isArray(config.targets) && config.targets.length > 0),
    'lora.targets',
    'LoRA targets: pick at least one module.',
  );
  return p.problems;
}

/** Throws an `InvalidRequestError` naming every setting no trainer should start with. */
export function validateLoraConfig(config: LoraConfig): void {
  const problems = loraConfigProblems(config);
  if (problems.length) throw new InvalidRequestError(problemsMessage(problems));
}
