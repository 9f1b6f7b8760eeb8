/**
 * Builds the engine's `TextTokenizer` from a checkpoint's tokenizer files: `tokenizer.json` (required),
 * `tokenizer_config.json` (special tokens, flags, chat template), `chat_template.jinja` (where newer
 * transformers save the template) and `generation_config.json` (extra EOS ids, e.g. Llama 3's `<|eot_id|>`).
 */
import { InputError } from '../spec/input-error';
import { Tokenizer } from '@huggingface/tokenizers';
import { readJson, readText, type ModelFiles } from '../spec/model-files';
import { ChatTemplate, selectChatTemplate, type TemplateSpecialTokens } from './chat-template';
import { HfTokenizer } from './hf-tokenizer';
import { optionalFlag, specialTokenText, specialTokenTexts, tokenIdList } from './special-tokens';
import type { TextTokenizer } from './types';

/** Options for `createTokenizer`. */
export interface CreateTokenizerOptions {
  /** Origin for error messages ("/models/smollm2", "demo"). */
  label?: string;
  /** A chat template from a separate file (`chat_template.jinja`); takes precedence over tokenizer_config's. */
  chatTemplate?: string | null;
}

type Json = Record<string, unknown>;

function asObject(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InputError(`${what}: expected a JSON object`);
  return value as Json;
}

/** Validates tokenizer.json enough that the library's failures become an error naming the file. */
function buildBackend(tokenizerJson: unknown, config: Json, label: string): Tokenizer {
  const file = `${label}/tokenizer.json`;
  const json = asObject(tokenizerJson, file);
  const model = json.model;
  if (typeof model !== 'object' || model === null || !('vocab' in model)) {
    throw new InputError(`${file}: malformed tokenizer.json (missing "model" with a "vocab")`);
  }
  if (json.added_tokens !== undefined && !Array.isArray(json.added_tokens)) {
    throw new InputError(`${file}: malformed tokenizer.json ("added_tokens" must be a list)`);
  }
  // Optional pipeline stages may be omitted by hand-written files; the library wants every key present.
  const complete = {
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: null,
    added_tokens: [],
    ...json,
  };
  try {
    return new Tokenizer(complete, config);
  } catch (e) {
    throw new InputError(`${file}: malformed tokenizer.json (${(e as Error).message})`);
  }
}

function idOf(backend: Tokenizer, token: string | null): number | null {
  return token === null ? null : (backend.token_to_id(token) ?? null);
}

/**
 * Creates a tokenizer from already-parsed files (synchronous). `generationConfig` contributes `eos_token_id`
 * (number or list) to `eosTokenIds`, and bos/pad ids when tokenizer_config names none.
 */
export function createTokenizer(
  tokenizerJson: object,
  tokenizerConfig: object,
  generationConfig?: object,
  options: CreateTokenizerOptions = {},
): TextTokenizer {
  const label = options.label ?? 'tokenizer';
  const config = asObject(tokenizerConfig ?? {}, `${label}/tokenizer_config.json`);
  const generation = generationConfig ? asObject(generationConfig, `${label}/generation_config.json`) : {};
  const backend = buildBackend(tokenizerJson, config, label);

  const tokens: TemplateSpecialTokens = {
    bos_token: specialTokenText(config.bos_token),
    eos_token: specialTokenText(config.eos_token),
    pad_token: specialTokenText(config.pad_token),
    unk_token: specialTokenText(config.unk_token),
    additional_special_tokens: specialTokenTexts(config.additional_special_tokens),
  };
  const eosIds = [idOf(backend, tokens.eos_token), ...tokenIdList(generation.eos_token_id)].filter(
    (id): id is number => id !== null,
  );
  const bosTokenId = idOf(backend, tokens.bos_token) ?? tokenIdList(generation.bos_token_id)[0] ?? null;
  const padTokenId = idOf(backend, tokens.pad_token) ?? tokenIdList(generation.pad_token_id)[0] ?? null;

  // transformers lets a separate chat_template.jinja override the config's template; so do we.
  const source = options.chatTemplate || selectChatTemplate(config.chat_template, `${label}/tokenizer_config.json`);
  const chatTemplate = source ? new ChatTemplate(source, tokens, label) : null;
  return new HfTokenizer(backend, {
    label,
    bosTokenId,
    eosTokenIds: [...new Set(eosIds)],
    padTokenId,
    addBosToken: optionalFlag(config.add_bos_token),
    addEosToken: optionalFlag(config.add_eos_token),
    chatTemplate,
  });
}

/** Loads the tokenizer of a checkpoint folder (or any `ModelFiles` source). */
export async function loadTokenizer(files: ModelFiles): Promise<TextTokenizer> {
  const names = new Set(await files.list());
  if (!names.has('tokenizer.json')) {
    throw new InputError(
      `${files.label}: tokenizer.json is missing (this engine needs the fast-tokenizer file, not only tokenizer.model)`,
    );
  }
  const tokenizerJson = await readJson<object>(files, 'tokenizer.json');
  const tokenizerConfig = names.has('tokenizer_config.json')
    ? await readJson<object>(files, 'tokenizer_config.json')
    : {};
  const generationConfig = names.has('generation_config.json')
    ? await readJson<object>(files, 'generation_config.json')
    : undefined;
  const chatTemplate = names.has('chat_template.jinja') ? await readText(files, 'chat_template.jinja') : null;
  return createTokenizer(tokenizerJson, tokenizerConfig, generationConfig, { label: files.label, chatTemplate });
}
