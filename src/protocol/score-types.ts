/** Types of the `score` request: per-token log-probabilities of a sequence under the loaded base (issue 3). */

/** Params of `score`. Exactly one of `ids` and `text`. */
export interface ScoreParams {
  /** Token ids to score. */
  ids?: number[];
  /** Text the model's tokenizer encodes (its BOS included when the tokenizer adds one, as the CLI does). */
  text?: string;
  /** `base` (default): the frozen base alone; `adapters`: with the active adapter mix (see `setActiveAdapters`). */
  use?: 'base' | 'adapters';
}

/** Result of `score`, the same shape as the CLI's `score` output plus where it ran. */
export interface ScoreResult {
  ids: number[];
  /** `logprobs[i]` = ln p(ids[i] | ids[0..i)); entry 0 is null (nothing precedes it). */
  logprobs: (number | null)[];
  /** The tfjs backend that computed it. */
  backend: string;
  millis: number;
}
