import Papa from 'papaparse';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import {
  chunkCompact,
  compactPrepared,
  compactPreparedTransferables,
  compactTransferables,
  fromCompact,
  toCompact,
} from './compact';
import { packExamples, planPacking } from './pack';
import { DatasetOptionsError, mergeShards, prepareDataset, prepareShard } from './prepare';
import { shardTransferables } from './shard';
import { formatProblems } from './problems';
import { noExamplesReason, reportForTraining } from './report';
import { DEFAULT_PROMPT_TEMPLATE } from './template';
import { splitTrainEval } from './split';
import { generateSyntheticJsonl } from './synthetic';
import { charTokenizer, chunkedInput, jsonl, qwen3Tokenizer } from './test-inputs.node.js';
import type { DatasetInput, RecordShape, TokenizedExample } from './types';

const tok = charTokenizer();
const CTX = { maxSeqLen: 32, lengthName: '--seq-len', format: null };
const texts = (...t: string[]) => chunkedInput('t.jsonl', jsonl(t.map((text) => ({ text }))));

describe('statistics and length policies', () => {
  it('counts tokens, lengths, duplicates and over-length examples (truncate)', async () => {
    // Lengths with EOS: 4, 4 (duplicate), 11, 21.
    const r = await prepareDataset([texts('abc', 'abc', 'abcdefghij', 'x'.repeat(20))], tok, {
      maxSeqLen: 10,
      shuffle: false,
    });
    expect(r.stats).toMatchObject({
      examples: 4,
      duplicates: 1,
      overLength: 2,
      truncated: 2,
      droppedOverLength: 0,
      maxTokens: 21,
    });
    expect(r.train.map((e) => e.ids.length)).toEqual([4, 4, 10, 10]);
    expect(r.stats.totalTokens).toBe(28);
    expect(r.stats.trainableTokens).toBe(28 - 4);
    expect(r.stats.histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(r.stats.histogram.edges.length).toBe(r.stats.histogram.counts.length + 1);
  });

  it('drops over-length examples and duplicates on request, counting them', async () => {
    const r = await prepareDataset([texts('abc', 'abc', 'x'.repeat(20))], tok, {
      maxSeqLen: 10,
      overLength: 'drop',
      dedupe: true,
    });
    expect(r.stats).toMatchObject({ droppedOverLength: 1, droppedDuplicates: 1, trainExamples: 1 });
  });

  it('drops (and counts) examples whose prompt alone fills maxSeqLen after truncation', async () => {
    const recs = [
      { prompt: 'p'.repeat(40), completion: 'c' },
      { prompt: 'p', completion: 'c' },
    ];
    const r = await prepareDataset([chunkedInput('p.jsonl', jsonl(recs))], tok, { maxSeqLen: 40 }); // template: 36 and 73 tokens
    expect(r.stats).toMatchObject({ overLength: 1, truncated: 1, droppedNoLoss: 1, trainExamples: 1 });
  });

  it('rejects impossible options before reading', async () => {
    await expect(prepareDataset([texts('a')], tok, { maxSeqLen: 1 })).rejects.toThrow(DatasetOptionsError);
    await expect(prepareDataset([texts('a')], tok, { evalSplit: 2.5 })).rejects.toThrow(/evalSplit/);
    await expect(prepareDataset([texts('a')], tok, { template: 'no placeholder' })).rejects.toThrow(/\{prompt\}/);
    await expect(prepareDataset([texts('a')], tok, { template: 'chat' })).rejects.toThrow(/no chat template/);
  });
});

describe('split, shuffle, packing', () => {
  const items = Array.from({ length: 100 }, (_, i) => i);

  it('splits reproducibly by seed, keeps eval in file order, never empties train', () => {
    const a = splitTrainEval(items, 0.1, 7, true);
    const b = splitTrainEval(items, 0.1, 7, true);
    const c = splitTrainEval(items, 0.1, 8, true);
    expect(a).toEqual(b);
    expect(a.eval).not.toEqual(c.eval);
    expect(a.eval).toHaveLength(10);
    expect([...a.eval].sort((x, y) => x - y)).toEqual(a.eval);
    expect([...a.train, ...a.eval].sort((x, y) => x - y)).toEqual(items);
    expect(splitTrainEval(items, 25, 1, false).train).toEqual(
      items.filter((i) => !splitTrainEval(items, 25, 1, false).eval.includes(i)),
    );
    expect(splitTrainEval([1, 2], 5, 0, true).train).toHaveLength(1);
  });

  it('packs into rows ≤ maxSeqLen with segment/position ids; no token lost, segment starts masked', () => {
    const rng = new Rng(3);
    const examples: TokenizedExample[] = Array.from({ length: 200 }, (_, i) => {
      const n = 2 + rng.nextInt(60);
      return {
        ids: Int32Array.from({ length: n }, () => i),
        lossMask: Uint8Array.from({ length: n }, (_, t) => (t ? 1 : 0)),
      };
    });
    const rows = packExamples(examples, 64);
    const total = examples.reduce((s, e) => s + e.ids.length, 0);
    expect(rows.reduce((s, r) => s + r.ids.length, 0)).toBe(total);
    expect(rows.length).toBeLessThan(Math.ceil(total / 64) * 1.15);
    for (const row of rows) {
      expect(row.ids.length).toBeLessThanOrEqual(64);
      for (let t = 0; t < row.ids.length; t++) {
        const start = t === 0 || row.segmentIds![t] !== row.segmentIds![t - 1];
        expect(row.positionIds![t]).toBe(start ? 0 : row.positionIds![t - 1] + 1);
        if (start) expect(row.lossMask[t]).toBe(0);
        if (!start) expect(row.ids[t]).toBe(row.ids[t - 1]); // one example per segment
      }
    }
    expect(() => planPacking([65], 64)).toThrow(/does not fit/);
  });

  it('prepareDataset packs each split and reports the rows', async () => {
    const r = await prepareDataset([texts(...Array.from({ length: 30 }, (_, i) => `example ${i}`))], tok, {
      maxSeqLen: 64,
      pack: true,
      evalSplit: 0.2,
      seed: 1,
    });
    expect(r.stats.trainExamples + r.stats.evalExamples).toBe(30);
    expect(r.stats.packedRows).toBe(r.train.length + r.eval.length);
    expect(r.train.every((row) => row.segmentIds && row.ids.length <= 64)).toBe(true);
  });
});

describe('shards (tokenizing on several workers)', () => {
  it('give exactly the result of one pass, whatever the shard count', async () => {
    const recs = [...randomRecords('prompt-completion', 30, 5), { prompt: 'p' }, { prompt: 'x', completion: '' }];
    const dupes = [
      { prompt: 'same', completion: 'same' },
      { prompt: 'same', completion: 'same' },
    ];
    const inputs = () => [
      chunkedInput('a.jsonl', jsonl([...recs, ...dupes]), 50),
      chunkedInput('b.txt', 'para one\n\npara two is longer\n\nthree\n'),
      chunkedInput('c.csv', Papa.unparse(randomRecords('text', 9, 6))),
    ];
    const opts = { policy: 'skip' as const, maxSeqLen: 40, evalSplit: 0.2, seed: 3, dedupe: true };
    const whole = await prepareDataset(inputs(), tok, opts);
    expect(whole.stats.duplicates).toBe(1);
    for (const count of [2, 3]) {
      const shards = await Promise.all(
        Array.from({ length: count }, (_, index) => prepareShard(inputs(), tok, opts, { index, count })),
      );
      // As they would arrive from workers: transferred, in any order.
      const moved = shards.map((sh) => structuredClone(sh, { transfer: shardTransferables(sh) })).reverse();
      expect(mergeShards(moved, opts), `${count} shards`).toEqual(whole);
    }
    const chunked = { ...opts, textMode: { kind: 'chunk' as const, tokens: 8 } };
    const wholeChunked = await prepareDataset(inputs(), tok, chunked);
    const two = await Promise.all([0, 1].map((index) => prepareShard(inputs(), tok, chunked, { index, count: 2 })));
    expect(mergeShards(two, chunked)).toEqual(wholeChunked);
    expect(() => mergeShards([two[0]], chunked)).toThrow(/shards 0\.\.1/);
  });
});

describe('compact form', () => {
  it('a prepared dataset crosses a worker boundary by transfer, with nothing lost', async () => {
    const r = await prepareDataset([texts(...Array.from({ length: 12 }, (_, i) => `row ${i}`))], tok, {
      evalSplit: 0.25,
      pack: true,
      maxSeqLen: 32,
    });
    const c = compactPrepared(r);
    const moved = structuredClone(c, { transfer: compactPreparedTransferables(c) });
    expect(c.train.ids.byteLength).toBe(0); // transferred, not copied
    expect(fromCompact(moved.train)).toEqual(r.train);
    expect(fromCompact(moved.eval)).toEqual(r.eval);
    expect(moved.stats).toEqual(r.stats);
  });

  it('round-trips examples (packed or not) and chunks them by token budget', () => {
    const ex = (n: number, v: number): TokenizedExample => ({
      ids: new Int32Array(n).fill(v),
      lossMask: new Uint8Array(n).fill(1),
    });
    const list = [ex(3, 1), ex(5, 2), ex(2, 3), ex(9, 4)];
    const c = toCompact(list);
    expect(Array.from(c.offsets)).toEqual([0, 3, 8, 10, 19]);
    expect(fromCompact(c)).toEqual(list);
    const packed = packExamples(list, 10);
    expect(fromCompact(toCompact(packed))).toEqual(packed);
    const chunks = chunkCompact(list, 8);
    expect(chunks.map((k) => k.offsets.length - 1)).toEqual([2, 1, 1]);
    expect(chunks.flatMap(fromCompact)).toEqual(list);
    expect(compactTransferables(c)).toHaveLength(3);
  });
});

/** Random valid records of one shape; strings include quotes, commas, newlines and non-ASCII. */
function randomRecords(shape: RecordShape, n: number, seed: number): Record<string, unknown>[] {
  const rng = new Rng(seed);
  const pieces = [
    'word',
    'C:\\dir\\"x"\\',
    'a "quoted" bit',
    'comma, here',
    'line\nbreak',
    'tab\there',
    'café',
    '東京',
    '🙂',
    ' ',
  ];
  const s = () => Array.from({ length: 1 + rng.nextInt(6) }, () => pieces[rng.nextInt(pieces.length)]).join(' ') + 'x';
  return Array.from({ length: n }, () => {
    switch (shape) {
      case 'text':
        return { text: s() };
      case 'prompt-completion':
        return { prompt: s(), completion: s() };
      case 'alpaca':
        return { instruction: s(), input: rng.nextInt(2) ? s() : '', output: s() };
      case 'chat':
        return {
          messages: [
            { role: 'user', content: s() },
            { role: 'assistant', content: s() },
          ],
        };
      case 'sharegpt':
        return {
          conversations: [
            { from: 'human', value: s() },
            { from: 'gpt', value: s() },
          ],
        };
      case 'preference':
        return { prompt: s(), chosen: s(), rejected: s() };
    }
  });
}

function asFiles(shape: RecordShape, recs: Record<string, unknown>[], chunk: number): DatasetInput[] {
  const files = [
    chunkedInput(`p.jsonl`, jsonl(recs), chunk),
    chunkedInput(`p.json`, JSON.stringify(recs, null, 1), chunk),
  ];
  if (shape === 'text' || shape === 'prompt-completion' || shape === 'alpaca') {
    files.push(chunkedInput('p.csv', Papa.unparse(recs), chunk));
    const cols = Object.keys(recs[0]).map((name) => ({
      name,
      data: recs.map((r) => r[name] as string),
      type: 'STRING' as const,
    }));
    files.push({ name: 'p.parquet', bytes: new Uint8Array(parquetWriteBuffer({ columnData: cols })) });
  }
  return files;
}

describe('property: a valid file round-trips into as many examples as it has records', () => {
  const qwen = qwen3Tokenizer();
  const shapes: RecordShape[] = ['text', 'prompt-completion', 'alpaca', 'chat', 'sharegpt'];
  for (const shape of shapes) {
    it(shape, async () => {
      for (let trial = 0; trial < 3; trial++) {
        const n = 1 + new Rng(trial).nextInt(25);
        const recs = randomRecords(shape, n, 100 * trial + shapes.indexOf(shape));
        for (const input of asFiles(shape, recs, 1 + trial * 13)) {
          const r = await prepareDataset([input], qwen, { maxSeqLen: 4096, evalSplit: 0.2, seed: trial });
          expect(r.problems, `${shape} ${input.name}`).toEqual([]);
          expect(r.shape).toBe(shape);
          expect(r.stats.examples).toBe(n);
          expect(r.train.length + r.eval.length).toBe(n);
        }
      }
    });
  }
});

describe('property: values survive every format byte for byte', () => {
  it('text records decode back to their text in JSONL, JSON, CSV and Parquet, across chunk sizes', async () => {
    const recs = randomRecords('text', 40, 77);
    for (const chunk of [1, 5, 64]) {
      for (const input of asFiles('text', recs, chunk)) {
        const r = await prepareDataset([input], tok, { maxSeqLen: 4096, shuffle: false });
        expect(
          r.train.map((e) => tok.decode(Array.from(e.ids))),
          input.name,
        ).toEqual(recs.map((x) => x.text));
      }
    }
  });
});

describe('streaming hooks', () => {
  it('reports progress in bytes up to the file size, and stops when aborted', async () => {
    const chunks = [...generateSyntheticJsonl(300_000, 1)];
    const bytes = Uint8Array.from(chunks.flatMap((c) => Array.from(c)));
    const seen: number[] = [];
    const r = await prepareDataset(
      [{ name: 's.jsonl', bytes }],
      null,
      {},
      { onProgress: (p) => seen.push(p.bytesRead) },
    );
    expect(r.problems).toEqual([]);
    expect(seen.at(-1)).toBe(bytes.length);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    const ctl = new AbortController();
    const aborted = prepareDataset(
      [chunkedInput('s.jsonl', bytes, 4096)],
      null,
      {},
      {
        signal: ctl.signal,
        onProgress: (p) => p.bytesRead > 50_000 && ctl.abort(new Error('user cancelled')),
      },
    );
    await expect(aborted).rejects.toThrow('user cancelled');
  });

  it('generateSyntheticJsonl is deterministic, about the asked size, and valid for every shape', async () => {
    const a = [...generateSyntheticJsonl(50_000, 9)];
    const b = [...generateSyntheticJsonl(50_000, 9)];
    expect(a).toEqual(b);
    const size = a.reduce((s, c) => s + c.length, 0);
    expect(size).toBeGreaterThanOrEqual(50_000);
    expect(size).toBeLessThan(52_000);
    for (const shape of ['text', 'prompt-completion', 'alpaca', 'chat', 'sharegpt'] as const) {
      const bytes = Uint8Array.from([...generateSyntheticJsonl(20_000, 2, shape)].flatMap((c) => Array.from(c)));
      const r = await prepareDataset([{ name: 's.jsonl', bytes }], null);
      expect(r.problems).toEqual([]);
      expect(r.shape).toBe(shape);
    }
  });

  it('fixed-window text mode cuts a .txt into N-token windows', async () => {
    const r = await prepareDataset([chunkedInput('book.txt', 'aaaa\n\nbbbb\n\ncccc\n')], tok, {
      textMode: { kind: 'chunk', tokens: 5 },
      shuffle: false,
    });
    // "aaaa\n\n" "bbbb\n\n" "cccc\n\n" + EOS = 19 tokens → 5, 5, 5, 4.
    expect(r.train.map((e) => e.ids.length)).toEqual([5, 5, 5, 4]);
    expect(r.train[3].ids[3]).toBe(0);
  });
});

describe('reports', () => {
  it('prints the first 20 problems as FILE:LINE, then a count, and refuses to train', async () => {
    const recs = [{ text: 'ok' }, ...Array.from({ length: 25 }, () => ({ text: '' }))];
    const r = await prepareDataset([chunkedInput('bad.jsonl', jsonl(recs))], tok);
    const out: string[] = [];
    expect(reportForTraining(r, CTX, (l) => out.push(l))).toBe(false);
    expect(out[0]).toBe('bad.jsonl:2: empty text (field "text")');
    expect(out[19]).toBe('bad.jsonl:21: empty text (field "text")');
    expect(out[20]).toBe('... and 5 more');
    expect(out[21]).toMatch(/^25 problems: fix the file, or pass --skip-invalid/);
    const skipped = await prepareDataset([chunkedInput('bad.jsonl', jsonl(recs))], tok, { policy: 'skip' });
    const out2: string[] = [];
    expect(reportForTraining(skipped, CTX, (l) => out2.push(l))).toBe(true);
    expect(out2.at(-1)).toBe('skipped 25 invalid records (--skip-invalid)');
    expect(
      formatProblems([
        { file: 'x.parquet', row: 3, message: 'm' },
        { file: 'y.csv', message: 'n' },
      ]),
    ).toEqual(['x.parquet:row 3: m', 'y.csv: n']);
  });

  it('says why nothing is left to train on: every answer truncated away, with the prompt length and the format', async () => {
    // The default template wraps a 40-character prompt into 73 prompt tokens; a limit of 32 leaves no answer.
    const recs = [
      { prompt: 'p'.repeat(40), completion: 'c' },
      { prompt: 'q'.repeat(45), completion: 'c' },
    ];
    const r = await prepareDataset([chunkedInput('p.jsonl', jsonl(recs))], tok, { maxSeqLen: 32 });
    expect(r.stats).toMatchObject({ droppedNoLoss: 2, trainExamples: 0, shortestLostPrompt: 73 });
    const out: string[] = [];
    const ctx = { ...CTX, format: { template: DEFAULT_PROMPT_TEMPLATE } };
    expect(reportForTraining(r, ctx, (l) => out.push(l))).toBe(false);
    expect(out).toEqual([
      `nothing to train on: the shortest prompt renders to 73 tokens with the template ${JSON.stringify(DEFAULT_PROMPT_TEMPLATE)} and --seq-len is 32; every example lost its answer. Raise --seq-len or shorten the prompts`,
    ]);
    expect(noExamplesReason(r, { ...CTX, format: { template: 'chat' } })).toMatch(
      /^the shortest prompt renders to 73 tokens with the chat template and --seq-len is 32/,
    );
  });

  it('says why for the other ways a dataset ends up empty', async () => {
    const dropped = await prepareDataset([texts('x'.repeat(40))], tok, { maxSeqLen: 10, overLength: 'drop' });
    expect(noExamplesReason(dropped, { ...CTX, maxSeqLen: 10 })).toBe(
      'every example is longer than 10 tokens (--seq-len) and over-long examples are dropped: raise --seq-len or truncate them',
    );
    const bad = await prepareDataset([chunkedInput('bad.jsonl', jsonl([{ text: '' }, { text: '' }]))], tok, {
      policy: 'skip',
    });
    expect(noExamplesReason(bad, CTX)).toBe(
      'every record has a problem (2 problems, 2 skipped): fix the records listed',
    );
    expect(noExamplesReason(await prepareDataset([texts('abc')], tok), CTX)).toBeNull();
  });
});
