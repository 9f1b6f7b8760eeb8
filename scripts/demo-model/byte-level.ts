/**
 * GPT-2 byte-level pre-tokenization, exactly as the Hugging Face `ByteLevel` pre-tokenizer does it: split with the
 * GPT-2 regex, then map each UTF-8 byte to a printable character so every string has a lossless token spelling
 * (space → "Ġ", newline → "Ċ").
 */

/** The GPT-2 split pattern (what `ByteLevel { use_regex: true }` applies). */
export const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** byte → printable code point, GPT-2's `bytes_to_unicode`. Index = byte value. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (printable.includes(b)) map[b] = String.fromCodePoint(b);
    else map[b] = String.fromCodePoint(256 + next++);
  }
  return map;
}

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
