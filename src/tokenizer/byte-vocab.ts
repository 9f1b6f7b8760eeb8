/**
 * The GPT-2 byte ↔ unicode table that byte-level BPE tokenizers (Llama 3, Qwen, SmolLM2) use to write raw bytes
 * as printable vocabulary strings, and a minimal byte-level `tokenizer.json` built on it: one token per byte, no
 * merges. That tokenizer pairs with tiny test checkpoints whose vocabulary is 256.
 */

/** `bytes_to_unicode()` from GPT-2: byte value → the character standing for it in vocab strings. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

/** A `tokenizer.json` whose token id is the byte value (ids 0–255): every UTF-8 byte is one token. */
export function byteLevelTokenizerJson(): object {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((ch, b) => {
    vocab[ch] = b;
  });
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: byteLevel,
    decoder: byteLevel,
    model: byteLevelBpeModel(vocab, []),
  };
}

/** The `model` section of a byte-level BPE `tokenizer.json` (GPT-2 style: no unknown token, no byte fallback). */
export function byteLevelBpeModel(vocab: Record<string, number>, merges: string[]): object {
  return {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    ignore_merges: false,
    vocab,
    merges,
  };
}
