/** The generation API's types: what a caller asks for, what it gets back, and what the model must provide. */
import type { Tensor2D, Tensor3D } from '../backend/tf';
import type { AdapterHook } from '../model/linear';
import type { ChatMessage } from '../tokenizer/types';
import type { SamplingParams } from './sampler';

/** A KV cache as the model hands it out; generation only creates and frees it. */
export interface GenerationCache {
  dispose(): void;
}

/**
 * What generation needs from a model (`DecoderModel` satisfies it): a cache factory and a forward pass that
 * appends to the cache and returns logits [batch, seq, vocab], owned by the caller.
 */
export interface GenerationModel<C extends GenerationCache = GenerationCache> {
  readonly config: {
    readonly vocab: number;
    readonly maxPositionEmbeddings: number;
    /** config.json's `eos_token_id`(s), for checkpoints whose tokenizer files name no EOS. */
    readonly eosTokenIds?: readonly number[];
  };
  createCache(batch: number, maxLen: number): C;
  forward(ids: Tensor2D, opts: { cache?: C | null; hook?: AdapterHook | null }): Tensor3D;
  /**
   * Optional split of `forward` into the decoder stack ([batch, seq, hidden]) and the LM head. When both exist,
   * prefill projects only the last position onto the vocabulary instead of every prompt position (a 1k-token
   * prompt on a 150k vocabulary would otherwise materialize a 600 MB logits tensor).
   */
  hiddenStates?(ids: Tensor2D, opts: { cache?: C | null; hook?: AdapterHook | null }): Tensor3D;
  logits?(h: Tensor3D): Tensor3D;
}

/** One generation request. Exactly one of `prompt`, `messages`, `promptIds` gives the input. */
export interface GenerateRequest extends SamplingParams {
  /** Plain text, encoded with the tokenizer's special tokens (BOS when it adds one). */
  prompt?: string;
  /** A conversation, rendered with the chat template plus the assistant-turn header. */
  messages?: ChatMessage[];
  /** Already tokenized input, used as is. */
  promptIds?: number[];
  /** Upper bound on generated tokens (the EOS token counts). */
  maxNewTokens: number;
  /** Generation ends when the decoded text contains one of these; the text is cut before it. */
  stop?: string[];
  /** Seed of the sampling draws; a random one is picked (and reported) when absent. */
  seed?: number;
  /** Adapter(s) applied on top of the base, e.g. a LoRA stack. */
  hook?: AdapterHook | null;
  /** Extra chat template inputs, e.g. `{ enable_thinking: false }` for Qwen3. */
  templateVariables?: Record<string, unknown>;
}

/** Streamed once per generated token. */
export interface TokenEvent {
  /** The token id. */
  id: number;
  /** Text that became final with this token ('' while a split character or a possible stop string is held back). */
  text: string;
  /** 0-based position among the new tokens. */
  index: number;
}

export interface GenerateCallbacks {
  onToken?(ev: TokenEvent): void;
  /** Ends generation after the current step with finishReason 'aborted' (what was generated is returned). */
  signal?: AbortSignal;
}

export type FinishReason = 'eos' | 'stop' | 'length' | 'aborted';

export interface GenerateResult {
  /** The generated text (special tokens skipped, cut before a stop string); equals the streamed pieces joined. */
  text: string;
  /** Every sampled id, including the EOS or the token that completed a stop string. */
  ids: number[];
  finishReason: FinishReason;
  promptTokens: number;
  newTokens: number;
  /** Prompt forward pass, until its logits were read back. */
  prefillMs: number;
  /** All decode steps (sampling + one-token forwards). */
  decodeMs: number;
  /** The seed actually used (replays the same sample). */
  seed: number;
}
