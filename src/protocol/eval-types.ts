/** Types of the `evaluate` request: score variants of the loaded base on a stored dataset, optionally a Predict grid (issue 17). */
import type { VariantScore } from '../eval/evaluate';
import type { FinishReason } from '../generate/types';
import type { ActiveAdapter } from './generate-types';

/** One way to run the base: a name and its adapters with weights ([] = the base alone, one = an adapter, more = a mix). */
export interface EvalVariantSpec {
  name: string;
  adapters: ActiveAdapter[];
}

/** Params of `evaluate`. */
export interface EvaluateParams {
  datasetId: string;
  variants: EvalVariantSpec[];
  /** `eval`: the dataset's held-out split (default); `all`: every example (train + eval). */
  split?: 'eval' | 'all';
  /** Score at most this many examples (the first ones). Default: all. */
  maxExamples?: number;
  /** Multiplexed passes (default) or one variant at a time. */
  batched?: boolean;
  /** Seed of the bootstrap and of the Predict grid's sampling. Default 0. */
  seed?: number;
  /** The Predict grid: the first `count` examples under every variant. */
  predict?: { count: number; maxNewTokens: number; temperature?: number };
  /** Examples per variant given in full (tokens + per-token losses) for the heat map: the worst ones. Default 8. */
  detailCount?: number;
}

/** One variant's figures (the CLI's JSON line). */
export interface VariantSummary extends Omit<VariantScore, 'perExample'> {
  /** Mean loss of each scored example, by example index. */
  exampleLosses: number[];
}

/** One example in full, for the heat map: its tokens and each variant's loss on each loss-carrying token. */
export interface ExampleDetail {
  index: number;
  /** Text of each token (decoded alone). */
  pieces: string[];
  lossMask: number[];
  /** nll[v][t]: variant v's −ln p of token t, null where the token carries no loss. */
  nll: (number | null)[][];
}

/** One cell of the Predict grid with its scores (0..1; JSON ones null for non-JSON references). */
export interface PredictCell {
  text: string;
  finishReason: FinishReason;
  exactMatch: number;
  rougeL: number;
  bleu4: number;
  validJson: number | null;
  sameKeys: number | null;
}

/** The Predict grid: prompts × variants beside the references, and per-variant means ×100. */
export interface PredictOutcome {
  prompts: Array<{ index: number; prompt: string; reference: string }>;
  /** cells[v][p]. */
  cells: PredictCell[][];
  metrics: Array<{
    exactMatch: number;
    rougeL: number;
    bleu4: number;
    validJson: number | null;
    sameKeys: number | null;
  }>;
  millis: number;
}

/** Result of `evaluate`. */
export interface EvaluateResult {
  dataset: string;
  variants: VariantSummary[];
  details: ExampleDetail[];
  predict: PredictOutcome | null;
  backend: string;
  /** Whether the variants shared batches (multiplexed) or ran one at a time. */
  batched: boolean;
  millis: number;
}
