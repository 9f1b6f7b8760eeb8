/** Types of the generation and adapter requests (`generate`, `setActiveAdapters`, adapter library extras). */
import type { PromptFormat } from '../data/prompt-format';
import type { GenerateResult } from '../generate/types';
import type { ChatMessage } from '../tokenizer/types';
import type { NamedBlob } from './model-types';

/** Sampling controls, as the playground shows them. */
export interface SamplingControls {
  /** 0 = greedy. */
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  minP: number;
  /** 1 = off. */
  repetitionPenalty: number;
}

/** Params of `generate`. Exactly one of `prompt` and `messages`. */
export interface GenerateParams {
  prompt?: string;
  /**
   * Renders `prompt` in this format first (an adapter's training format: a user turn in the chat template, or a
   * prompt template filled in). Without it the prompt is continued as plain text.
   */
  format?: PromptFormat;
  messages?: ChatMessage[];
  /** Extra chat-template inputs for `messages` (Qwen3's `enable_thinking: false`). */
  templateVariables?: Record<string, unknown>;
  sampling: SamplingControls;
  maxNewTokens: number;
  /** Same seed + same prompt + same weights → same text (base vs adapter comparisons use one seed). */
  seed: number;
  stop?: string[];
  /**
   * `base`: the frozen base alone. `adapters`: the base with the active adapter mix (see `setActiveAdapters`),
   * whose weights may change while generating. `training`: the base with the adapter a training run is training,
   * as it stands at the step boundary where the generation runs (fails when no run is going).
   */
  use: 'base' | 'adapters' | 'training';
}

/** Params of `generateCompare`: a `generate` for each of `uses`, run side by side in one batch. */
export interface GenerateCompareParams extends Omit<GenerateParams, 'use'> {
  uses: GenerateParams['use'][];
}

/** Result of `generate` (the text also streamed as `token` events). */
export type GenerateOutcome = Omit<GenerateResult, 'ids'> & {
  /** The adapters and weights that were active when generation started. */
  adapters: ActiveAdapter[];
};

/** One adapter in the mix. */
export interface ActiveAdapter {
  id: string;
  weight: number;
}

/** Params of `mergeAdapters`. */
export interface MergeAdaptersParams {
  inputs: ActiveAdapter[];
  /** `cat`: exact, rank = Σ ranks. `svd`: re-factorised to `rank` (weighted SVD). */
  method: 'cat' | 'svd';
  rank?: number;
  name: string;
}

/** The two PEFT files of an adapter (and the same as one zip), as transferred buffers. */
export interface ExportedAdapter {
  /** Folder/zip name derived from the adapter's name. */
  folder: string;
  config: ArrayBuffer;
  weights: ArrayBuffer;
  zip: ArrayBuffer;
}

/** Params of `importAdapter`: a PEFT folder's files, or one .zip. */
export interface ImportAdapterParams {
  files: NamedBlob[];
  name?: string;
}
