// Data worker requests through the real protocol (client ⇄ MessageChannel ⇄ data handlers) on fake-indexeddb,
// with the llama-tied fixture's tokenizer given as dropped files.
import 'fake-indexeddb/auto';
import { servedClient } from '../../test-utils/channel-engine.node.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactLength } from '../../data/compact';
import { DEFAULT_PROMPT_TEMPLATE } from '../../data/template';
import type { EngineClient } from '../../protocol/client';
import { InvalidRequestError } from '../../spec/errors';
import { openStudioDb, type StudioDb } from '../../storage';
import { fixtureFilesSource } from '../../test-utils/model-fixtures.node.js';
import { loadStoredDataset } from '../data/dataset-store';
import { dataHandlers } from './data';

const tokenizer = fixtureFilesSource('llama-tied', (n) => n.startsWith('tokenizer') || n === 'config.json');

const good = (i: number) => JSON.stringify({ prompt: `question ${i}`, completion: ` answer ${i}` });
const LINES = [good(1), good(2), '{"prompt": "broken', good(3), '{"prompt": "x"}', good(4), 'not json', good(5)];
const jsonl = { name: 'qa.jsonl', blob: new Blob([LINES.join('\n') + '\n']) };

let client: EngineClient;
let db: StudioDb;
beforeAll(async () => {
  db = await openStudioDb({ name: `engine-data-${Math.random()}` });
  client = servedClient(async () => db, dataHandlers);
});
afterAll(() => client.dispose());

describe('data requests', () => {
  it('samples a file: keys, detected shape, first records and their problems', async () => {
    const [s] = await client.request('sampleData', { files: [jsonl] });
    expect(s.format).toBe('jsonl');
    expect(s.keys).toEqual(['prompt', 'completion']);
    expect(s.shapeLabel).toMatch(/prompt/i);
    expect(s.records.length).toBe(5);
  });

  it('previews a record with loss only on the completion', async () => {
    const r = await client.request('previewData', {
      tokenizer,
      record: { prompt: 'Hi', completion: ' there' },
      options: {},
    });
    if (!r.ok) throw new Error(r.message);
    expect(r.tokens.some((t) => t.loss)).toBe(true);
    expect(r.tokens[0].loss).toBe(false);
  });

  it('fails on 3 bad lines with their line numbers, stores nothing', async () => {
    const r = await client.request('prepareData', {
      name: 'qa',
      files: [jsonl],
      tokenizer,
      tokenizerId: 'tiny',
      options: {},
    });
    expect(r.ok).toBe(false);
    expect(r.datasetId).toBeNull();
    expect(r.problems.map((p) => p.line)).toEqual([3, 5, 7]);
    expect(await client.request('listDatasets', {})).toEqual([]);
  });

  it('with skip: stores the 5 good examples in chunks that read back; lists and deletes', async () => {
    const events: string[] = [];
    const r = await client.request(
      'prepareData',
      {
        name: 'qa',
        files: [jsonl],
        tokenizer,
        tokenizerId: 'tiny',
        options: { policy: 'skip', evalSplit: 1, seed: 3 },
      },
      { onEvent: (e) => e.kind === 'progress' && events.push(e.stage) },
    );
    expect(r).toMatchObject({ ok: true, skipped: 3, problemCount: 3 });
    expect(events).toContain('read');
    expect(events).toContain('store');
    const stored = await loadStoredDataset(db, r.datasetId!);
    // No chat template in the fixture: prompt pairs were rendered with the default prompt template, and the record says so.
    expect(stored.record).toMatchObject({
      name: 'qa',
      exampleCount: 5,
      tokenizer: 'tiny',
      promptFormat: { template: DEFAULT_PROMPT_TEMPLATE },
    });
    expect(compactLength(stored.train)).toBe(4);
    expect(compactLength(stored.eval)).toBe(1);
    expect(stored.train.ids.length).toBe(stored.train.offsets[4]);
    expect((await client.request('listDatasets', {})).map((d) => d.id)).toEqual([r.datasetId]);
    await client.request('deleteDataset', { id: r.datasetId! });
    expect(await client.request('listDatasets', {})).toEqual([]);
  });

  it('stores the prompt template the user chose as the prompt format of the dataset', async () => {
    const options = { policy: 'skip' as const, template: 'Q: {prompt}\nA:' };
    const r = await client.request('prepareData', {
      name: 'qa',
      files: [jsonl],
      tokenizer,
      tokenizerId: 'tiny',
      options,
    });
    const stored = await loadStoredDataset(db, r.datasetId!);
    expect(stored.record.promptFormat).toEqual({ template: 'Q: {prompt}\nA:' });
    // The fixture's byte tokenizer (256 ids, most bytes unknown) cannot decode text back: no prompt is recovered,
    // and none is made up (promptOfExample's round trips are in src/data/prompt-format.test.ts).
    expect(stored.record.samplePrompts).toEqual([]);
    await client.request('deleteDataset', { id: r.datasetId! });
  });

  it('refuses requests this worker does not serve', async () => {
    await expect(client.request('modelInfo', {})).rejects.toBeInstanceOf(InvalidRequestError);
  });
});
