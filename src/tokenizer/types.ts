/**
 * The tokenizer contract the rest of the engine codes against (data pipeline, generation, CLI). The
 * implementation wraps @huggingface/tokenizers and renders chat templates with @huggingface/jinja.
 */
export type ChatRole = 'system' | 'user' | 'assistant' | 'tool';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface EncodeOptions {
  /** Add the tokenizer's special tokens (e.g. BOS) as its post-processor says. Default true. */
  addSpecialTokens?: boolean;
}

export interface ChatTemplateOptions {
  /** End with the header of an assistant turn, so that generation writes the reply. Default false. */
  addGenerationPrompt?: boolean;
  /** Extra template inputs, e.g. `{ enable_thinking: false }` for Qwen3. */
  templateVariables?: Record<string, unknown>;
}

export interface TextTokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  /** EOS ids: tokenizer_config's eos_token plus generation_config's eos_token_id list when present. */
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
  readonly hasChatTemplate: boolean;
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: readonly number[], opts?: { skipSpecialTokens?: boolean }): string;
  /** Renders a conversation with the model's chat template; throws a clear error when there is none. */
  applyChatTemplate(messages: readonly ChatMessage[], opts?: ChatTemplateOptions): string;
}
