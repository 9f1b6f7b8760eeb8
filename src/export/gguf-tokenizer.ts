/**
 * A Hugging Face byte-level BPE tokenizer (`tokenizer.json` + `tokenizer_config.json`) as llama.cpp's
 * `tokenizer.*` KVs: model `gpt2`, the pre-tokenizer name, tokens by id (padded to the model's vocabulary with
 * `[PADn]` of type UNUSED, as the converter does), token types, merges, special ids, add_bos/add_eos and the chat
 * template. Mirrors gguf-py's `SpecialVocab` precedence: tokenizer_config.json names first, config.json ids fill in.
 */
import { gguf, type GgufValue } from '../formats/gguf-writer';
import type { ModelConfig } from '../model/config';
import { readJson, readText, type ModelFiles } from '../spec/model-files';
import { specialTokenText } from '../tokenizer/special-tokens';
import { GgufExportError } from './gguf-arch';

type Json = Record<string, unknown>;

/** gguf-py `TokenType`. */
const TOKEN_TYPE = { normal: 1, control: 3, userDefined: 4, unused: 5 } as const;

/** The tokenizer as GGUF sees it, plus the facts an Ollama Modelfile needs. */
export interface GgufTokenizer {
  kvs: [string, GgufValue][];
  /** Text of every end-of-generation token (for `PARAMETER stop`). */
  stopTokens: string[];
  chatTemplate: string | null;
}

const LLAMA3_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * llama.cpp's name for the pre-tokenizer (`tokenizer.ggml.pre`). The converter hashes the tokens of a probe text;
 * we read the same fact from the pre-tokenizer's own definition: GPT-2's ByteLevel regex, Llama 3's or Qwen2's
 * split pattern, or SmolLM's individual digits before ByteLevel.
 */
export function preTokenizerName(tokenizer: Json): string {
  const merges = (tokenizer.model as Json | undefined)?.merges;
  const pre = tokenizer.pre_tokenizer as Json | null | undefined;
  if (!pre)
    throw new GgufExportError(
      'tokenizer.json has no pre_tokenizer: not a byte-level BPE tokenizer llama.cpp can take as gpt2',
    );
  const steps = (pre.type === 'Sequence' ? (pre.pretokenizers as Json[]) : [pre]) ?? [];
  const byteLevel = steps.find((s) => s.type === 'ByteLevel');
  if (!byteLevel)
    throw new GgufExportError(
      'tokenizer.json is not byte-level BPE (no ByteLevel pre-tokenizer); GGUF export supports gpt2-style tokenizers only',
    );
  const split = steps.find((s) => s.type === 'Split');
  const pattern = split ? ((split.pattern as Json | undefined)?.Regex as string | undefined) : undefined;
  if (pattern === LLAMA3_SPLIT) return 'llama-bpe';
  if (pattern === QWEN2_SPLIT) return 'qwen2';
  if (steps.some((s) => s.type === 'Digits' && s.individual_digits === true) && byteLevel.use_regex !== false)
    return 'smollm';
  // Without merges every byte stays its own token, so where the text is split cannot matter.
  if (steps.length === 1 && (byteLevel.use_regex !== false || (Array.isArray(merges) && merges.length === 0)))
    return 'gpt-2';
  throw new GgufExportError(
    `tokenizer.json's pre-tokenizer (${steps.map((s) => String(s.type)).join(' + ')}) is not one llama.cpp knows (gpt-2, llama-bpe, qwen2, smollm)`,
  );
}

/** `[a, b]` merges (tokenizers ≥ 0.20) become "a b" with spaces inside a part written as U+0120, like gguf-py. */
function mergeStrings(merges: unknown): string[] {
  if (!Array.isArray(merges)) throw new GgufExportError('tokenizer.json has no BPE merges');
  return merges.map((m) =>
    typeof m === 'string' ? m : (m as string[]).map((p) => p.replaceAll(' ', '\u0120')).join(' '),
  );
}

function looksSpecial(token: string): boolean {
  return token.startsWith('<|') && token.endsWith('|>');
}

/** Reads the tokenizer files of a checkpoint and builds its GGUF KVs. Throws when llama.cpp could not use them. */
export async function ggufTokenizer(files: ModelFiles, config: ModelConfig): Promise<GgufTokenizer> {
  if ((await files.size('tokenizer.json')) === null) {
    // llama.cpp's "none" vocabulary loads, but llama-cli, Ollama and node-llama-cpp abort on it.
    throw new GgufExportError(
      `${files.label}: tokenizer.json is missing; a GGUF model carries its tokenizer, so export needs it`,
    );
  }
  const tokenizer = await readJson<Json>(files, 'tokenizer.json');
  const tc =
    (await files.size('tokenizer_config.json')) !== null ? await readJson<Json>(files, 'tokenizer_config.json') : {};
  const model = tokenizer.model as Json;
  if (model?.type !== 'BPE')
    throw new GgufExportError(
      `tokenizer.json model is ${String(model?.type)}; GGUF export supports byte-level BPE only`,
    );
  const pre = preTokenizerName(tokenizer);
  const vocab = model.vocab as Record<string, number>;
  const added = (tokenizer.added_tokens as { id: number; content: string; special: boolean }[] | undefined) ?? [];
  const tokens: string[] = [];
  const types: number[] = [];
  const byId = new Map<number, string>();
  for (const [t, id] of Object.entries(vocab)) byId.set(id, t);
  for (const a of added) byId.set(a.id, a.content);
  const maxId = Math.max(...byId.keys());
  if (maxId >= config.vocab)
    throw new GgufExportError(`tokenizer has token id ${maxId} but the model's vocabulary is ${config.vocab}`);
  const addedById = new Map(added.map((a) => [a.id, a]));
  for (let i = 0; i < config.vocab; i++) {
    const t = byId.get(i);
    const a = addedById.get(i);
    tokens.push(t ?? `[PAD${i}]`);
    types.push(
      t === undefined
        ? TOKEN_TYPE.unused
        : a
          ? a.special || looksSpecial(a.content)
            ? TOKEN_TYPE.control
            : TOKEN_TYPE.userDefined
          : TOKEN_TYPE.normal,
    );
  }
  const idOf = (text: string | null): number | null =>
    text === null ? null : (added.find((a) => a.content === text)?.id ?? vocab[text] ?? null);
  const special = (kind: 'bos' | 'eos' | 'pad' | 'unk', fromConfig: number | null): number | null =>
    idOf(specialTokenText(tc[`${kind}_token`])) ?? fromConfig;
  const bos = special('bos', config.bosTokenId);
  const eos = special('eos', config.eosTokenIds[0] ?? null);
  const pad = special('pad', null);
  const kvs: [string, GgufValue][] = [
    ['tokenizer.ggml.model', gguf.str('gpt2')],
    ['tokenizer.ggml.pre', gguf.str(pre)],
    ['tokenizer.ggml.tokens', gguf.array('string', tokens)],
    ['tokenizer.ggml.token_type', gguf.array('i32', types)],
    ['tokenizer.ggml.merges', gguf.array('string', mergeStrings(model.merges))],
  ];
  if (bos !== null) kvs.push(['tokenizer.ggml.bos_token_id', gguf.u32(bos)]);
  if (eos !== null) kvs.push(['tokenizer.ggml.eos_token_id', gguf.u32(eos)]);
  if (pad !== null) kvs.push(['tokenizer.ggml.padding_token_id', gguf.u32(pad)]);
  kvs.push(['tokenizer.ggml.add_bos_token', gguf.bool(addsBos(tokenizer, tc))]);
  if (typeof tc.add_eos_token === 'boolean') kvs.push(['tokenizer.ggml.add_eos_token', gguf.bool(tc.add_eos_token)]);
  const chatTemplate = await chatTemplateOf(files, tc);
  if (chatTemplate !== null) kvs.push(['tokenizer.chat_template', gguf.str(chatTemplate)]);
  const stopIds = [
    ...new Set([...(eos !== null ? [eos] : []), ...config.eosTokenIds, ...(await generationEos(files))]),
  ];
  return {
    kvs,
    stopTokens: stopIds.map((id) => byId.get(id)).filter((t): t is string => t !== undefined),
    chatTemplate,
  };
}

/**
 * What an adapter's Modelfile needs from the base's tokenizer (stop tokens, template); an adapter GGUF itself needs
 * no tokenizer, so a base without a usable one just gives a Modelfile without them.
 */
export async function modelfileTokenFacts(
  files: ModelFiles,
  config: ModelConfig,
): Promise<Pick<GgufTokenizer, 'stopTokens' | 'chatTemplate'>> {
  try {
    return await ggufTokenizer(files, config);
  } catch (e) {
    if (e instanceof GgufExportError) return { stopTokens: [], chatTemplate: null };
    throw e;
  }
}

/** tokenizer_config's add_bos_token, else whether the post-processor's single template starts with a special token. */
function addsBos(tokenizer: Json, tc: Json): boolean {
  if (typeof tc.add_bos_token === 'boolean') return tc.add_bos_token;
  const post = tokenizer.post_processor as Json | null | undefined;
  const procs = (post?.type === 'Sequence' ? (post.processors as Json[]) : post ? [post] : []) ?? [];
  const tmpl = procs.find((p) => p.type === 'TemplateProcessing');
  const single = tmpl?.single as Json[] | undefined;
  return Boolean(single && single.length > 1 && single[0].SpecialToken);
}

async function chatTemplateOf(files: ModelFiles, tc: Json): Promise<string | null> {
  const t = tc.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name: string; template: string }[];
    return (named.find((x) => x.name === 'default') ?? named[0])?.template ?? null;
  }
  if ((await files.size('chat_template.jinja')) !== null) return readText(files, 'chat_template.jinja');
  return null;
}

async function generationEos(files: ModelFiles): Promise<number[]> {
  if ((await files.size('generation_config.json')) === null) return [];
  const g = await readJson<Json>(files, 'generation_config.json');
  const v = g.eos_token_id;
  return typeof v === 'number' ? [v] : Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}
