import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { loadTokenizer } from '../../src/tokenizer/load';
import { pretrainingCorpus } from '../datasets/corpus';
import { learnMerges } from './bpe-trainer';
import { preTokenize } from './byte-level';
import { DEMO_DIR, trainTokenizer } from './train-bpe';

describe('BPE trainer', () => {
  it('merges the most frequent pair first and re-uses merged symbols', () => {
    // "low"×5, "lower"×2, "newest"×6, "widest"×3 (Sennrich et al.'s example): "e s" (9) then "es t" (9).
    const counts = new Map([
      ['low', 5],
      ['lower', 2],
      ['newest', 6],
      ['widest', 3],
    ]);
    const ids = new Map<string, number>();
    const toSymbols = (w: string): number[] =>
      [...w].map((c) => {
        if (!ids.has(c)) ids.set(c, ids.size);
        return ids.get(c)!;
      });
    for (const w of counts.keys()) toSymbols(w);
    const merges = learnMerges(counts, toSymbols, 100, 3);
    const name = (id: number): string => [...ids].find(([, v]) => v === id)?.[0] ?? `#${id}`;
    expect(`${name(merges[0].left)} ${name(merges[0].right)}`).toBe('e s');
    expect(merges[1]).toEqual({ left: 100, right: ids.get('t') });
  });

  it('spells space and newline as GPT-2 does', () => {
    expect(preTokenize('Call me\nIshmael.')).toEqual(['Call', 'Ġme', 'Ċ', 'Ishmael', '.']);
  });
});

describe('shipped demo tokenizer', () => {
  it('is what the script produces from the corpus (reproducible)', () => {
    const { tokenizer } = trainTokenizer(pretrainingCorpus().train, 4096);
    const shipped = JSON.parse(readFileSync(path.join(DEMO_DIR, 'tokenizer.json'), 'utf8'));
    expect(shipped.model.merges).toEqual((tokenizer as { model: { merges: string[] } }).model.merges);
  });

  it('loads through the engine tokenizer, round-trips text and renders ChatML', async () => {
    const tok = await loadTokenizer(folderFiles(DEMO_DIR));
    expect(tok.vocabSize).toBe(4096);
    expect(tok.bosTokenId).toBe(0);
    expect(tok.eosTokenIds).toContain(0);
    expect(tok.padTokenId).toBe(3);
    const held = pretrainingCorpus().heldOut[0].slice(0, 4000);
    const ids = tok.encode(held);
    expect(ids[0]).toBe(0);
    expect(held.length / ids.length).toBeGreaterThan(3); // common English words are single tokens (≈4 chars/token overall)
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe(held);
    const odd = 'naïve “whale” — 日本 🐋\n\n  x';
    expect(tok.decode(tok.encode(odd), { skipSpecialTokens: true })).toBe(odd);
    const chat = tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true });
    expect(chat).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
    expect(tok.encode('<|im_end|>', { addSpecialTokens: false })).toEqual([2]);
  });
});
