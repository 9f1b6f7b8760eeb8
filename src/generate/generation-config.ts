/**
 * Sampling defaults from a checkpoint's `generation_config.json`, as `model.generate()` in transformers applies
 * them: `do_sample: false` (or absent) means greedy; otherwise temperature / top_k / top_p / min_p, and
 * `repetition_penalty` either way. Explicit request settings override these.
 */
import type { SamplingParams } from './sampler';

/** Defaults a checkpoint asks for; fields it does not set are absent. */
export interface GenerationDefaults extends SamplingParams {
  maxNewTokens?: number;
}

function positive(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Reads the sampling fields of a parsed `generation_config.json` (unknown or invalid fields are ignored). */
export function generationDefaults(config: unknown): GenerationDefaults {
  if (typeof config !== 'object' || config === null) return {};
  const c = config as Record<string, unknown>;
  const out: GenerationDefaults = {};
  const penalty = positive(c.repetition_penalty);
  if (penalty !== undefined) out.repetitionPenalty = penalty;
  const maxNew = positive(c.max_new_tokens);
  if (maxNew !== undefined && Number.isInteger(maxNew)) out.maxNewTokens = maxNew;
  if (c.do_sample !== true) {
    out.temperature = 0;
    return out;
  }
  // transformers' defaults when do_sample is set: temperature 1, top_k 50, top_p 1.
  out.temperature = positive(c.temperature) ?? 1;
  const topK = c.top_k === 0 ? 0 : positive(c.top_k);
  out.topK = topK !== undefined && Number.isInteger(topK) ? topK : 50;
  const topP = positive(c.top_p);
  out.topP = topP !== undefined && topP <= 1 ? topP : 1;
  const minP = positive(c.min_p);
  if (minP !== undefined && minP <= 1) out.minP = minP;
  return out;
}
