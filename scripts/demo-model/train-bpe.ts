/**
 * Trains the demo model's byte-level BPE tokenizer on its pretraining corpus and writes a Hugging Face
 * `tokenizer.json` (model BPE, ByteLevel pre-tokenizer/decoder) and `tokenizer_config.json` (ChatML chat
 * template, bos/eos/pad). Deterministic. `npx tsx scripts/demo-model/train-bpe.ts [outDir] [vocabSize]`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pretrainingCorpus } from '../datasets/corpus';
import { byteLevelBpeModel } from '../../src/tokenizer/byte-vocab';
import { bytesToUnicode, preTokenize } from './byte-level';
import { learnMerges } from './bpe-trainer';

/** Special tokens take the first ids; `<|endoftext|>` separates documents and doubles as BOS. */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|pad|>'] as const;

/** ChatML, as Qwen and SmolLM2 use it; no BOS inside: the post-processor adds it when the caller asks. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export const DEMO_DIR = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'public',
  'models',
  'lorastudio-demo',
);

/** Builds tokenizer.json + tokenizer_config.json contents from the corpus. */
export function trainTokenizer(texts: string[], vocabSize: number): { tokenizer: object; config: object } {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of preTokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const byteChars = bytesToUnicode();
  const charToByte = new Map(byteChars.map((c, b) => [c, b]));
  const base = SPECIAL_TOKENS.length;
  const toSymbols = (w: string): number[] => [...w].map((c) => base + charToByte.get(c)!);
  const merges = learnMerges(counts, toSymbols, base + 256, vocabSize - base - 256);

  // Spellings by trainer symbol id; two merges can spell the same string, so vocab ids are assigned per spelling.
  const spelling: string[] = [...SPECIAL_TOKENS, ...byteChars];
  for (const m of merges) spelling.push(spelling[m.left] + spelling[m.right]);
  const vocab: Record<string, number> = {};
  let nextId = 0;
  for (const s of spelling) if (!(s in vocab)) vocab[s] = nextId++;
  const mergeStrings = merges.map((m) => `${spelling[m.left]} ${spelling[m.right]}`);
  return { tokenizer: tokenizerJson(vocab, mergeStrings), config: tokenizerConfig() };
}

export function addedToken(id: number, content: string): object {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export function tokenizerJson(vocab: Record<string, number>, merges: string[]): object {
  const eot = SPECIAL_TOKENS[0];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t, i) => addedToken(i, t)),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    // Prepends <|endoftext|> (BOS), the token that preceded every document in pretraining.
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: eot, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: eot, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: eot, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [eot]: { id: eot, ids: [0], tokens: [eot] } },
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: byteLevelBpeModel(vocab, merges),
  };
}

export function tokenizerConfig(): object {
  const decoder: Record<string, object> = {};
  SPECIAL_TOKENS.forEach((t, i) => {
    const { id: _id, ...rest } = addedToken(i, t) as { id: number };
    decoder[String(i)] = rest;
  });
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: decoder,
    bos_token: '<|endoftext|>',
    eos_token: '<|endoftext|>',
    pad_token: '<|pad|>',
    unk_token: null,
    additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    model_max_length: 256,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}

function main(): void {
  const outDir = process.argv[2] ?? DEMO_DIR;
  const vocabSize = Number(process.argv[3] ?? 4096);
  const t0 = Date.now();
  const { tokenizer, config } = trainTokenizer(pretrainingCorpus().train, vocabSize);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'tokenizer.json'), JSON.stringify(tokenizer, null, 1) + '\n');
  writeFileSync(path.join(outDir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
  const size = Object.keys((tokenizer as { model: { vocab: object } }).model.vocab).length;
  process.stdout.write(`vocab ${size} tokens in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${outDir}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) main();
