/**
 * Data bounds (#13): text fields are cut to a character budget before tokenizing without changing the kept tokens;
 * paragraphs and JSON values have caps, so no single string grows without bound.
 */
import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../tokenizer/load';
import { modelFixtureFiles } from '../test-utils/model-fixtures.node.js';
import { boundExample, charBudget } from './char-budget';
import { JsonScanner } from './readers/json-scanner';
import { readText } from './readers/text';

async function* chunks(text: string): AsyncGenerator<Uint8Array> {
  yield new TextEncoder().encode(text);
}

describe('character budget before tokenizing', () => {
  it('keeps the first maxSeqLen tokens exactly and the example over length', async () => {
    const tok = await loadTokenizer(modelFixtureFiles('llama-tied'));
    const maxSeqLen = 8;
    const text = 'hi there her '.repeat(2000); // ~26k chars, far over the 8-token budget of 6k chars
    const bounded = boundExample({ kind: 'text', text }, maxSeqLen);
    expect(bounded.kind === 'text' && bounded.text.length).toBe(charBudget(maxSeqLen));
    const full = tok.encode(text, { addSpecialTokens: true });
    const cut = tok.encode((bounded as { text: string }).text, { addSpecialTokens: true });
    expect(cut.slice(0, maxSeqLen)).toEqual(full.slice(0, maxSeqLen));
    expect(cut.length).toBeGreaterThan(maxSeqLen);
  });

  it('leaves short fields alone and never splits a surrogate pair', () => {
    const ex = { kind: 'prompt' as const, prompt: 'a', completion: 'b' };
    expect(boundExample(ex, 512)).toEqual(ex);
    const b = charBudget(1);
    const text = 'x'.repeat(b - 1) + '😀' + 'y';
    const out = boundExample({ kind: 'text', text }, 1) as { text: string };
    expect(out.text).toBe('x'.repeat(b - 1));
  });
});

describe('reader caps', () => {
  it('hands a paragraph over the cap on in pieces', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `line ${i} ` + 'w'.repeat(20)).join('\n');
    const items = [];
    for await (const it of readText(chunks(lines), 'book.txt', 300)) items.push(it);
    expect(items.length).toBeGreaterThan(5);
    const texts = items.map((i) => (i.record!.value as { text: string }).text);
    expect(texts.every((t) => t.length <= 300 + 40)).toBe(true);
    expect(texts.join('\n')).toBe(lines);
  });

  it('reports a JSON value over the cap instead of building it', () => {
    const s = new JsonScanner(100);
    const big = JSON.stringify({ data: Array.from({ length: 50 }, (_, i) => ({ text: `row ${i}` })) });
    const events = [...s.push(big.slice(0, 200)), ...s.push(big.slice(200)), ...s.end()];
    expect(events).toEqual([
      {
        kind: 'problem',
        line: 1,
        record: true,
        message: expect.stringMatching(/a JSON value of \d+ characters \(more than 100\).*JSON Lines/),
      },
    ]);
  });
});
