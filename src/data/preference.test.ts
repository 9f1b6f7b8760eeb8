/**
 * Preference data ({prompt, chosen, rejected}, TRL's formats): detection, line-level problems, and rendering into
 * two-segment pair examples (chosen, rejected) whose loss marks exactly the answers.
 */
import { describe, expect, it } from 'vitest';
import { isPreferencePair } from '../train/preference/sequence-logps';
import { splitPair } from './pair';
import { previewExample } from './preview';
import { prepareDataset } from './prepare';
import { formatProblems } from './problems';
import { detectMapping } from './shape';
import { charTokenizer, chunkedInput, jsonl, qwen3Tokenizer } from './test-inputs.node.js';
import type { TokenizedExample } from './types';

const decodeLoss = (tok: ReturnType<typeof charTokenizer>, ex: TokenizedExample) =>
  tok.decode(
    [...ex.ids].filter((_, i) => ex.lossMask[i] === 1),
    { skipSpecialTokens: true },
  );

describe('preference data', () => {
  it('detects {prompt, chosen, rejected} (and question/chosen/rejected) as preference, before other shapes', () => {
    expect(detectMapping(['prompt', 'chosen', 'rejected'])).toMatchObject({
      shape: 'preference',
      fields: { prompt: 'prompt', chosen: 'chosen', rejected: 'rejected' },
    });
    expect(detectMapping(['Question', 'Chosen', 'Rejected'])).toMatchObject({
      shape: 'preference',
      fields: { prompt: 'Question', chosen: 'Chosen', rejected: 'Rejected' },
    });
    expect(detectMapping(['chosen', 'rejected'])?.shape).toBe('preference');
  });

  it('plain pairs render as prompt-template pairs with loss on each answer only', async () => {
    const tok = charTokenizer();
    const recs = [{ prompt: 'Sky?', chosen: 'blue', rejected: 'green' }];
    const r = await prepareDataset([chunkedInput('p.jsonl', jsonl(recs))], tok, { shuffle: false });
    expect(r.ok).toBe(true);
    expect(r.shape).toBe('preference');
    expect(r.train).toHaveLength(1);
    expect(isPreferencePair(r.train[0])).toBe(true);
    const { chosen, rejected } = splitPair(r.train[0]);
    expect(decodeLoss(tok, chosen)).toBe('blue');
    expect(decodeLoss(tok, rejected)).toBe('green');
    expect(tok.decode([...chosen.ids], { skipSpecialTokens: true })).toContain('Sky?');
  });

  it('chat pairs: explicit prompt messages, and implicit prompt (shared opening of two conversations)', async () => {
    const tok = qwen3Tokenizer();
    const user = { role: 'user', content: 'Is water wet?' };
    const recs = [
      {
        prompt: [user],
        chosen: [{ role: 'assistant', content: 'Yes, it wets things.' }],
        rejected: [{ role: 'assistant', content: 'No.' }],
      },
      {
        chosen: [user, { role: 'assistant', content: 'Yes, it wets things.' }],
        rejected: [user, { role: 'assistant', content: 'No.' }],
      },
    ];
    const r = await prepareDataset([chunkedInput('c.jsonl', jsonl(recs))], tok, {
      shuffle: false,
      templateVariables: { enable_thinking: false },
    });
    expect(r.problems).toEqual([]);
    expect(r.train).toHaveLength(2);
    for (const ex of r.train) {
      const { chosen, rejected } = splitPair(ex);
      expect(decodeLoss(tok, chosen)).toContain('Yes, it wets things.');
      expect(decodeLoss(tok, rejected)).toContain('No.');
      expect(decodeLoss(tok, chosen)).not.toContain('Is water wet?');
    }
    expect([...r.train[0].ids]).toEqual([...r.train[1].ids]); // both forms give the same pair
  });

  it('the preview shows the chosen and the rejected sequence apart', () => {
    const tok = charTokenizer();
    const p = previewExample({ prompt: 'Sky?', chosen: 'blue', rejected: 'green' }, tok);
    if (!p.ok) throw new Error(p.message);
    expect(p.rejectedAt).toBeGreaterThan(0);
    const text = (from: number, to?: number) =>
      p.tokens
        .slice(from, to)
        .filter((t) => t.loss)
        .map((t) => t.text)
        .join('');
    expect(text(0, p.rejectedAt)).toBe('blue');
    expect(text(p.rejectedAt!)).toMatch(/^green/);
  });

  it('reports bad records by line, with the field at fault', async () => {
    const lines = [
      JSON.stringify({ prompt: 'a', chosen: 'b', rejected: 'c' }),
      JSON.stringify({ prompt: 'a', chosen: '', rejected: 'c' }),
      JSON.stringify({ prompt: 'a', chosen: 'b' }),
      JSON.stringify({ chosen: 'b', rejected: 'c' }),
      JSON.stringify({ prompt: 'a', chosen: [{ role: 'user', content: 'x' }], rejected: 'c' }),
    ].join('\n');
    const r = await prepareDataset([chunkedInput('bad.jsonl', lines)], charTokenizer(), { policy: 'skip' });
    const text = formatProblems(r.problems).join('\n');
    expect(text).toMatch(/bad\.jsonl:2: .*empty answer \(field "chosen"\)/);
    expect(text).toMatch(/bad\.jsonl:3: .*missing field "rejected"/);
    expect(text).toMatch(/bad\.jsonl:4: .*missing field "prompt"/);
    expect(text).toMatch(/bad\.jsonl:5: .*"chosen" has no assistant message/);
    expect(r.train.length + r.eval.length).toBe(1);
  });

  it('maxSeqLen bounds each side of a pair; packing leaves pairs alone', async () => {
    const tok = charTokenizer();
    const recs = [{ prompt: 'p', chosen: 'x'.repeat(30), rejected: 'y' }];
    const r = await prepareDataset([chunkedInput('p.jsonl', jsonl(recs))], tok, { maxSeqLen: 40, pack: true });
    const { chosen, rejected } = splitPair(r.train[0]);
    expect(chosen.ids.length).toBeLessThanOrEqual(40);
    expect(rejected.ids.length).toBeLessThan(chosen.ids.length);
    expect(r.stats.packedRows).toBe(0);
  });
});
