/** Tokenizers (tokenizer.json via @huggingface/tokenizers) and chat templates (@huggingface/jinja). */
export { createTokenizer, loadTokenizer, type CreateTokenizerOptions } from './load';
export { HfTokenizer } from './hf-tokenizer';
export { ChatTemplate, ChatTemplateError, selectChatTemplate } from './chat-template';
export { byteLevelTokenizerJson, bytesToUnicode } from './byte-vocab';
export type { ChatMessage, ChatRole, ChatTemplateOptions, EncodeOptions, TextTokenizer } from './types';
