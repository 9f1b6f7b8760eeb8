import { describe, expect, it } from 'vitest';
import { detectMapping } from './shape';
import { prepareDataset } from './prepare';
import { charTokenizer, chunkedInput, jsonl } from './test-inputs.node.js';
import type { PreparedDataset } from './types';

async function checkJsonl(
  records: unknown[],
  policy: 'fail' | 'skip' = 'fail',
  name = 'd.jsonl',
): Promise<PreparedDataset> {
  return prepareDataset([chunkedInput(name, jsonl(records))], null, { policy });
}

function lines(r: PreparedDataset): string[] {
  return r.problems.map((p) => `${p.line}${p.field ? ` [${p.field}]` : ''}: ${p.message}`);
}

describe('shape detection', () => {
  it.each([
    [{ text: 'a' }, 'text'],
    [{ prompt: 'a', completion: 'b' }, 'prompt-completion'],
    [{ question: 'a', answer: 'b' }, 'prompt-completion'],
    [{ instruction: 'a', input: '', output: 'b' }, 'alpaca'],
    [{ instruction: 'a', context: 'c', response: 'b' }, 'alpaca'],
    [{ messages: [{ role: 'user', content: 'a' }] }, 'chat'],
    [{ conversations: [{ from: 'human', value: 'a' }] }, 'sharegpt'],
    [{ conversations: [{ role: 'user', content: 'a' }] }, 'chat'],
  ])('%j → %s', (rec, shape) => {
    expect(detectMapping(Object.keys(rec), rec as Record<string, unknown>)?.shape).toBe(shape);
  });

  it('keeps optional Alpaca fields in the mapping', () => {
    const m = detectMapping(['instruction', 'input', 'output', 'system'], undefined);
    expect(m).toEqual({
      shape: 'alpaca',
      fields: { instruction: 'instruction', output: 'output', input: 'input', system: 'system' },
    });
  });
});

describe('record validation: every problem names line, field and expectation', () => {
  it('missing field, wrong type, empty completion, mixed shapes', async () => {
    const r = await checkJsonl([
      { prompt: 'a', completion: 'b' },
      { prompt: 'a' },
      { prompt: 'a', completion: 42 },
      { prompt: 'a', completion: '   ' },
      { text: 'hello' },
      { prompt: null, completion: 'x' },
    ]);
    expect(r.ok).toBe(false);
    expect(r.train).toEqual([]);
    expect(lines(r)).toEqual([
      '2: missing field "completion": prompt/completion {"prompt","completion"} records need "prompt" and "completion"; found "prompt"',
      '3 [completion]: field "completion" must be a string, got a number',
      '4 [completion]: empty completion (field "completion")',
      '5: mixed shapes: this record is plain text {"text"} but the file\'s first record (line 1) is prompt/completion {"prompt","completion"}',
      '6 [prompt]: field "prompt" is null; expected a string',
    ]);
  });

  it('chat: unknown role, missing content, no assistant, empty assistant message, not a list', async () => {
    const u = (content: string) => ({ role: 'user', content });
    const a = (content: string) => ({ role: 'assistant', content });
    const r = await checkJsonl([
      { messages: [u('hi'), a('yo')] },
      { messages: [u('hi'), { role: 'robot', content: 'x' }] },
      { messages: [u('hi'), { role: 'assistant' }] },
      { messages: [u('hi')] },
      { messages: [u('hi'), a('  ')] },
      { messages: 'hello' },
      { messages: [] },
      {
        messages: [
          u('hi'),
          {
            role: 'assistant',
            content: [
              { type: 'text', text: 'parts ' },
              { type: 'text', text: 'ok' },
            ],
          },
        ],
      },
    ]);
    expect(lines(r)).toEqual([
      '2 [messages[1].role]: unknown role "robot" in messages[1]; expected system, user, assistant or tool (ShareGPT: human, gpt)',
      '3 [messages[1].content]: missing "content" in messages[1]',
      '4 [messages]: no assistant message in "messages": nothing to train on',
      '5 [messages[1]]: empty assistant message (messages[1])',
      '6 [messages]: field "messages" must be a list of messages, got a string',
      '7 [messages]: field "messages" is an empty conversation',
    ]);
  });

  it('ShareGPT roles human/gpt/system map onto user/assistant/system', async () => {
    const r = await checkJsonl([
      {
        conversations: [
          { from: 'system', value: 's' },
          { from: 'human', value: 'q' },
          { from: 'gpt', value: 'a' },
        ],
      },
    ]);
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('sharegpt');
  });

  it("'skip' leaves bad records out and counts them; 'fail' keeps nothing", async () => {
    const recs = [{ text: 'a' }, { text: '' }, { text: 'b' }, { txt: 'c' }];
    const skip = await prepareDataset([chunkedInput('t.jsonl', jsonl(recs))], charTokenizer(), { policy: 'skip' });
    expect(skip).toMatchObject({ ok: true, skipped: 2, problemCount: 2 });
    expect(skip.train).toHaveLength(2);
    const fail = await prepareDataset([chunkedInput('t.jsonl', jsonl(recs))], charTokenizer(), { policy: 'fail' });
    expect(fail).toMatchObject({ ok: false, skipped: 2, train: [], eval: [] });
  });

  it('chat data for a model without a chat template: one problem counting the records', async () => {
    const conv = {
      messages: [
        { role: 'user', content: 'q' },
        { role: 'assistant', content: 'a' },
      ],
    };
    const r = await prepareDataset([chunkedInput('c.jsonl', jsonl([conv, conv, conv]))], charTokenizer(), {
      policy: 'skip',
    });
    expect(lines(r)).toEqual(['1: 3 chat records (from here on) need a chat template, and the model has none']);
    expect(r).toMatchObject({ skipped: 3, problemCount: 1, train: [] });
  });

  it("'fail' stops tokenizing at the first problem (still reporting every problem) unless statsOnFail", async () => {
    const recs = [
      { text: 'a' },
      { text: '' },
      ...Array.from({ length: 10 }, (_, i) => ({ text: `t${i}` })),
      { text: 5 },
    ];
    const tok = charTokenizer();
    let encodes = 0;
    const counting = { ...tok, encode: (t: string) => (encodes++, tok.encode(t)) };
    const fast = await prepareDataset([chunkedInput('f.jsonl', jsonl(recs))], counting);
    expect(fast).toMatchObject({ ok: false, problemCount: 2, stats: { complete: false, examples: 1 } });
    expect(encodes).toBe(1);
    const full = await prepareDataset([chunkedInput('f.jsonl', jsonl(recs))], counting, { statsOnFail: true });
    expect(full).toMatchObject({ ok: false, problemCount: 2, stats: { complete: true, examples: 11 } });
  });

  it('a user mapping overrides detection (CSV question/answer under other names)', async () => {
    const csv = 'Frage,Antwort,id\nWie?,So.,1\nWarum?,,2\n';
    const mapping = { shape: 'prompt-completion' as const, fields: { prompt: 'Frage', completion: 'Antwort' } };
    const r = await prepareDataset([chunkedInput('de.csv', csv)], null, { mapping });
    expect(r.files[0].mapping).toEqual(mapping);
    expect(lines(r)).toEqual(['3 [Antwort]: empty completion (field "Antwort")']);
  });

  it('per-file mappings take precedence over the global one', async () => {
    const a = chunkedInput('a.csv', 'q,r\nx,y\n');
    const b = chunkedInput('b.csv', 'text\nhello\n');
    const r = await prepareDataset([a, b], null, {
      fileMappings: { 'a.csv': { shape: 'prompt-completion', fields: { prompt: 'q', completion: 'r' } } },
    });
    expect(r.problems).toEqual([]);
    expect(r.files.map((f) => f.mapping?.shape)).toEqual(['prompt-completion', 'text']);
  });

  it('keeps only the first maxProblems problems but counts all', async () => {
    const recs = Array.from({ length: 50 }, () => ({ prompt: 'a', completion: '' }));
    const r = await prepareDataset(
      [chunkedInput('d.jsonl', jsonl([{ prompt: 'a', completion: 'b' }, ...recs]))],
      null,
      { maxProblems: 10 },
    );
    expect(r.problems).toHaveLength(10);
    expect(r.problemCount).toBe(50);
  });
});
