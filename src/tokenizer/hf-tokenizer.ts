/**
 * `TextTokenizer` over @huggingface/tokenizers (the pure-JS port of HF `tokenizers`): tokenizer.json drives
 * normalization, pre-tokenization, the BPE/Unigram model and the post-processor; tokenizer_config.json adds the
 * special tokens, the add_bos/add_eos flags and the chat template.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { ChatMessage, ChatTemplateOptions, EncodeOptions, TextTokenizer } from './types';
import type { ChatTemplate } from './chat-template';

/** What `createTokenizer` resolved from the config files. */
export interface HfTokenizerSettings {
  label: string;
  bosTokenId: number | null;
  eosTokenIds: number[];
  padTokenId: number | null;
  /** tokenizer_config's `add_bos_token` / `add_eos_token`; undefined leaves the post-processor's choice. */
  addBosToken: boolean | undefined;
  addEosToken: boolean | undefined;
  chatTemplate: ChatTemplate | null;
}

export class HfTokenizer implements TextTokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | null;
  readonly hasChatTemplate: boolean;

  constructor(
    private readonly tokenizer: Tokenizer,
    private readonly settings: HfTokenizerSettings,
  ) {
    // Model vocab plus added tokens, which the library stores at their ids in the same array.
    this.vocabSize = tokenizer.model?.vocab.length ?? 0;
    this.bosTokenId = settings.bosTokenId;
    this.eosTokenIds = settings.eosTokenIds;
    this.padTokenId = settings.padTokenId;
    this.hasChatTemplate = settings.chatTemplate !== null;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    const addSpecial = opts.addSpecialTokens ?? true;
    const ids = this.tokenizer.encode(text, { add_special_tokens: addSpecial }).ids;
    return addSpecial ? this.applyBosEosFlags(text, ids) : ids;
  }

  /**
   * transformers rebuilds the post-processor from `add_bos_token`/`add_eos_token` (Llama-style tokenizers), so an
   * explicit flag wins over what tokenizer.json's post-processor does; an absent flag leaves it alone.
   */
  private applyBosEosFlags(text: string, ids: number[]): number[] {
    const { addBosToken, addEosToken, bosTokenId } = this.settings;
    const eos = this.eosTokenIds[0] ?? null;
    if (addBosToken === undefined && addEosToken === undefined) return ids;
    const plain =
      addBosToken === false || addEosToken === false
        ? this.tokenizer.encode(text, { add_special_tokens: false }).ids
        : null;
    let out = ids;
    if (bosTokenId !== null) {
      if (addBosToken === true && out[0] !== bosTokenId) out = [bosTokenId, ...out];
      if (addBosToken === false && out[0] === bosTokenId && plain && plain[0] !== bosTokenId) out = out.slice(1);
    }
    if (eos !== null) {
      if (addEosToken === true && out[out.length - 1] !== eos) out = [...out, eos];
      if (addEosToken === false && out[out.length - 1] === eos && plain && plain[plain.length - 1] !== eos)
        out = out.slice(0, -1);
    }
    return out;
  }

  decode(ids: readonly number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    // Ids beyond the tokenizer's vocabulary (padding rows of a larger embedding) have no text.
    const known = ids.filter((id) => Number.isInteger(id) && id >= 0 && id < this.vocabSize);
    if (known.length === 0) return '';
    // Cleanup (" ." → ".") would corrupt code and break streaming's prefix property; decode the bytes as they are.
    return this.tokenizer.decode(known, {
      skip_special_tokens: opts.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: false,
    });
  }

  applyChatTemplate(messages: readonly ChatMessage[], opts: ChatTemplateOptions = {}): string {
    const template = this.settings.chatTemplate;
    if (!template) {
      throw new Error(`${this.settings.label}: this model has no chat template; use plain prompt/completion`);
    }
    return template.render(messages, opts.addGenerationPrompt ?? false, opts.templateVariables);
  }

  /** Id of a token string (special or not), or null when it is not in the vocabulary. */
  tokenToId(token: string): number | null {
    return this.tokenizer.token_to_id(token) ?? null;
  }

  /** Token string of an id, or null. */
  idToToken(id: number): string | null {
    return this.tokenizer.id_to_token(id) ?? null;
  }
}
