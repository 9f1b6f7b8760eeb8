/**
 * The decoding policy for one step: logits of the last position → next token id. Processors run in Hugging Face's
 * order: repetition penalty, then (when sampling) temperature, top-k, top-p, min-p, then a seeded draw.
 */
import type { Rng } from '../util/rng';
import { sampleCategorical } from './categorical';
import { argmax } from './softmax';
import { minPFilter } from './min-p';
import { applyRepetitionPenalty } from './repetition-penalty';
import { applyTemperature } from './temperature';
import { topKCandidates } from './top-k';
import { topPFilter } from './top-p';

/** Sampling settings. Defaults give greedy decoding. */
export interface SamplingParams {
  /** 0 (default) = greedy; > 0 samples from softmax(logits / temperature). */
  temperature?: number;
  /** Keep the k most likely tokens; 0 (default) = off. */
  topK?: number;
  /** Nucleus mass in (0, 1]; 1 (default) = off. */
  topP?: number;
  /** Keep tokens with p ≥ minP · p_max; 0 (default) = off. */
  minP?: number;
  /** > 1 discourages tokens already in the context (HF semantics); 1 (default) = off. */
  repetitionPenalty?: number;
}

/** Throws a user-facing error for out-of-range settings (before any compute is spent). */
export function validateSamplingParams(p: SamplingParams): void {
  const bad = (name: string, v: unknown, range: string) => new Error(`${name} must be ${range}, got ${String(v)}`);
  const t = p.temperature ?? 0;
  if (!Number.isFinite(t) || t < 0) throw bad('temperature', t, 'a finite number ≥ 0');
  const k = p.topK ?? 0;
  if (!Number.isInteger(k) || k < 0) throw bad('top-k', k, 'an integer ≥ 0');
  const topP = p.topP ?? 1;
  if (!(topP > 0 && topP <= 1)) throw bad('top-p', topP, 'in (0, 1]');
  const minP = p.minP ?? 0;
  if (!(minP >= 0 && minP <= 1)) throw bad('min-p', minP, 'in [0, 1]');
  const r = p.repetitionPenalty ?? 1;
  if (!(r > 0) || !Number.isFinite(r)) throw bad('repetition penalty', r, 'a finite number > 0');
}

/**
 * Whether `sampleToken` picks the argmax of the logits as they are (greedy, no repetition penalty): then a caller may
 * take that argmax where the logits live (generate.ts does, on the device).
 */
export function picksRawArgmax(params: SamplingParams): boolean {
  return (params.temperature ?? 0) <= 0 && (params.repetitionPenalty ?? 1) === 1;
}

/**
 * Picks the next token. `contextIds` (prompt + generated so far) feeds the repetition penalty; `rng` is only
 * consumed when sampling (temperature > 0), so greedy runs leave a shared generator untouched.
 */
export function sampleToken(
  logits: Float32Array,
  contextIds: Iterable<number>,
  params: SamplingParams,
  rng: Rng,
): number {
  let x = logits;
  const penalty = params.repetitionPenalty ?? 1;
  if (penalty !== 1) x = applyRepetitionPenalty(x, contextIds, penalty);
  const temperature = params.temperature ?? 0;
  if (temperature <= 0) return argmax(x);
  x = applyTemperature(x, temperature);
  // With top-k the rest of the pipeline runs over the k survivors only (same result, no full-vocabulary passes).
  const topK = params.topK ?? 0;
  const candidates = topK > 0 ? topKCandidates(x, topK) : null;
  if (candidates) x = candidates.values;
  if ((params.topP ?? 1) < 1) x = topPFilter(x, params.topP ?? 1);
  if ((params.minP ?? 0) > 0) x = minPFilter(x, params.minP ?? 0);
  const drawn = sampleCategorical(x, rng);
  return candidates ? candidates.ids[drawn] : drawn;
}
