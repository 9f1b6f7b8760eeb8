import { describe, expect, it } from 'vitest';
import { ProblemLog } from '../data/problems';
import { normalizePreference, readPreferenceExamples } from './preference-records';

const enc = (s: string) => new TextEncoder().encode(s);

describe('preference records', () => {
  it('reads the plain, explicit-messages and implicit-prompt forms as the same pair', () => {
    const want = { prompt: [{ role: 'system', content: 'S' }, { role: 'user', content: 'u' }], chosen: 'c', rejected: 'r' };
    expect(normalizePreference({ system: 'S', prompt: 'u', chosen: 'c', rejected: 'r' })).toEqual(want);
    expect(normalizePreference({ messages: want.prompt, chosen: { role: 'assistant', content: 'c' }, rejected: { role: 'assistant', content: 'r' } })).toEqual(want);
    expect(normalizePreference({ chosen: [...want.prompt, { role: 'assistant', content: 'c' }], rejected: [...want.prompt, { role: 'assistant', content: 'r' }] })).toEqual(want);
  });

  it.each([
    [{ prompt: 'u', chosen: 'c' }, /needs "chosen" and "rejected"/],
    [{ prompt: 'u', chosen: 'c', rejected: 'c' }, /the same answer/],
    [{ prompt: 'u', chosen: 3, rejected: 'r' }, /"chosen" must be a string or a list/],
    [{ chosen: [{ role: 'user', content: 'u' }], rejected: 'r' }, /must end with an assistant message/],
    [{ chosen: 'c', rejected: 'r' }, /no user turn/],
    [{ chosen: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'c' }], rejected: [{ role: 'user', content: 'b' }, { role: 'assistant', content: 'r' }] }, /share the turns/],
    [{ prompt: [{ role: 'robot', content: 'x' }], chosen: 'c', rejected: 'r' }, /"prompt"\[0\] must be/],
  ])('%j is refused: %s', (rec, message) => {
    expect(() => normalizePreference(rec as Record<string, unknown>)).toThrow(message);
  });

  it('JSONL problems carry FILE:LINE, good lines still come through', async () => {
    const log = new ProblemLog();
    const text = '{"prompt":"u","chosen":"c","rejected":"r"}\n{"prompt":"u","chosen":"c"}\nnot json\n';
    const pairs = await readPreferenceExamples({ name: 'pairs.jsonl', bytes: enc(text) }, log);
    expect(pairs).toHaveLength(1);
    expect(log.problems.map((p) => [p.file, p.line])).toEqual([['pairs.jsonl', 2], ['pairs.jsonl', 3]]);
    const csv = new ProblemLog();
    expect(await readPreferenceExamples({ name: 'pairs.csv', bytes: enc('a,b') }, csv)).toEqual([]);
    expect(csv.problems[0].message).toMatch(/\.jsonl or \.json/);
  });
});
