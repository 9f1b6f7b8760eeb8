/**
 * GPT-2 byte-level pre-tokenization, exactly as the Hugging Face `ByteLevel` pre-tokenizer does it: split with the
 * GPT-2 regex, then map each UTF-8 byte to a printable character so every string has a lossless token spelling
 * (space → "Ġ", newline → "Ċ").
 */
import { bytesToUnicode } from '../../src/tokenizer/byte-vocab';

/** The GPT-2 split pattern (what `ByteLevel { use_regex: true }` applies). */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

// The GPT-2 byte table is the engine's own (src/tokenizer/byte-vocab.ts); re-exported for the scripts here.
export { bytesToUnicode };

const BYTE_CHARS = bytesToUnicode();
const encoder = new TextEncoder();

/** Splits `text` into pre-tokens, each spelt in byte-level characters. */
export function preTokenize(text: string): string[] {
  const pieces = text.match(GPT2_SPLIT) ?? [];
  return pieces.map((p) => {
    let s = '';
    for (const b of encoder.encode(p)) s += BYTE_CHARS[b];
    return s;
  });
}
