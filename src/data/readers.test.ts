import { gzipSync } from 'fflate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { prepareDataset } from './prepare';
import { bytesOf, chunkedInput, jsonl, webStreamInput } from './test-inputs.node.js';
import type { DatasetInput, PreparedDataset } from './types';

/** Validates only (no tokenizer): what the readers and validation produce. */
async function check(
  inputs: DatasetInput | DatasetInput[],
  policy: 'fail' | 'skip' = 'fail',
): Promise<PreparedDataset> {
  return prepareDataset(Array.isArray(inputs) ? inputs : [inputs], null, { policy });
}

function where(r: PreparedDataset): string[] {
  return r.problems.map((p) => `${p.line ?? (p.row !== undefined ? `row ${p.row}` : '-')}: ${p.message}`);
}

function valid(r: PreparedDataset): number {
  return r.files.reduce((s, f) => s + f.records - f.badRecords, 0);
}

const PC = (i: number) => ({ prompt: `question ${i} café 東京 🙂`, completion: `answer ${i}` });

describe('JSONL', () => {
  it('reads records, ignores blank lines, handles CRLF and a BOM', async () => {
    const text =
      '\uFEFF' + JSON.stringify(PC(1)) + '\r\n\r\n' + JSON.stringify(PC(2)) + '\r\n   \n' + JSON.stringify(PC(3));
    const r = await check(chunkedInput('a.jsonl', text));
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('prompt-completion');
    expect(r.files[0]).toMatchObject({ records: 3, badRecords: 0, format: 'jsonl' });
  });

  it('names the line and the column of invalid JSON, and a non-object line', async () => {
    const text = [JSON.stringify(PC(1)), '{"prompt": "a", "completion": "b",}', '[1, 2]', JSON.stringify(PC(4))].join(
      '\n',
    );
    const r = await check(chunkedInput('a.jsonl', text));
    expect(r.ok).toBe(false);
    expect(where(r)).toEqual([
      expect.stringMatching(/^2: invalid JSON at column 35: /),
      '3: expected a JSON object, got an array',
    ]);
    expect(valid(r)).toBe(2);
  });

  it('reports a non-UTF-8 line with its byte and keeps reading', async () => {
    const latin1 = Uint8Array.from([...bytesOf('{"prompt": "caf'), 0xe9, ...bytesOf('", "completion": "x"}\n')]);
    const bytes = Uint8Array.from([...bytesOf(jsonl([PC(1)])), ...latin1, ...bytesOf(jsonl([PC(3)]))]);
    const r = await check(chunkedInput('a.jsonl', bytes), 'skip');
    expect(where(r)).toEqual([expect.stringMatching(/^2: not valid UTF-8: byte 0xe9 at byte 16 of the line/)]);
    expect(r.ok).toBe(true);
    expect(r.skipped).toBe(1);
    expect(valid(r)).toBe(2);
  });

  it('gives identical records whatever the chunk size (lines and multi-byte chars split across chunks)', async () => {
    const records = Array.from({ length: 7 }, (_, i) => PC(i));
    const text = jsonl(records);
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const r = await prepareDataset([chunkedInput('a.jsonl', text, size)], null);
      expect(r.problems, `chunk ${size}`).toEqual([]);
      expect(valid(r)).toBe(7);
    }
    const web = await check(webStreamInput('a.jsonl', text, 3));
    expect(valid(web)).toBe(7);
  });

  it('reassembles a long line spread over many chunks', async () => {
    const long = { prompt: 'p', completion: 'ü'.repeat(100_000) };
    const r = await check(chunkedInput('a.jsonl', jsonl([PC(1), long, PC(2)]), 997));
    expect(r.problems).toEqual([]);
    expect(valid(r)).toBe(3);
  });
});

describe('JSON', () => {
  const pretty = JSON.stringify([PC(1), PC(2), PC(3)], null, 2);

  it('streams an array of records, whatever the chunk size', async () => {
    for (const size of [1, 4, 9, Infinity]) {
      const r = await check(chunkedInput('a.json', pretty, size));
      expect(r.problems, `chunk ${size}`).toEqual([]);
      expect(valid(r)).toBe(3);
    }
  });

  it('locates a bad element by line, and structural errors', async () => {
    const text =
      '[\n  {"prompt": "a", "completion": "b"},\n  {"prompt": "a",\n   "completion": oops},\n  {"prompt": "c", "completion": "d"}\n  {"prompt": "e", "completion": "f"},\n  "just a string"\n';
    const r = await check(chunkedInput('a.json', text, 5));
    expect(where(r)).toEqual([
      expect.stringMatching(
        /^(4: invalid JSON at column 18: |3: invalid JSON \(in the record starting on this line\): Unexpected token)/,
      ),
      "6: invalid JSON: missing ',' before this record",
      '7: expected a record (JSON object) as array element, got a string',
      "8: invalid JSON: unexpected end of file, the array's ']' is missing",
    ]);
    expect(valid(r)).toBe(3);
    expect(r.files[0].records).toBe(5); // structural slips are problems, not records
    const cut = await check(chunkedInput('cut.json', '[{"text": "a"},\n{"text": "b'));
    expect(cut.files[0]).toMatchObject({ records: 2, badRecords: 1 });
  });

  it('reads {"data": [...]} wrappers by row, a single record, and JSON Lines saved as .json', async () => {
    const wrapped = await check(chunkedInput('w.json', JSON.stringify({ version: 1, data: [PC(1), 'x', PC(3)] })));
    expect(where(wrapped)).toEqual(['row 2: expected a record (JSON object) in "data", got a string']);
    expect(valid(wrapped)).toBe(2);
    const single = await check(chunkedInput('s.json', JSON.stringify(PC(1))));
    expect(valid(single)).toBe(1);
    const lines = await check(chunkedInput('l.json', jsonl([PC(1), PC(2), PC(3)]), 7));
    expect(lines.problems).toEqual([]);
    expect(valid(lines)).toBe(3);
  });
});

describe('CSV and TSV', () => {
  it('reads quoted fields spanning lines and escaped quotes, numbering rows by their first line', async () => {
    const text = 'prompt,completion\n"multi\nline ""quoted""",yes\nplain,"a, b"\nx,y,z\n';
    const r = await check(chunkedInput('a.csv', text, 4));
    expect(where(r)).toEqual([expect.stringMatching(/^5: row has 3 fields but the header has 2/)]);
    expect(valid(r)).toBe(2);
  });

  it('maps CSV columns question/answer to prompt/completion, and reports a CSV without a usable column', async () => {
    const qa = await check(chunkedInput('qa.csv', 'Question,Answer\nwhat,that\n'));
    expect(qa.files[0].mapping).toEqual({
      shape: 'prompt-completion',
      fields: { prompt: 'Question', completion: 'Answer', system: 'system' },
    });
    const none = await check(chunkedInput('n.csv', 'id,score\n1,2\n3,4\n'));
    expect(none.ok).toBe(false);
    expect(none.problems[0].message).toMatch(/^no usable column \(found "id", "score"\)/);
    expect(none.problems[0].line).toBeUndefined();
  });

  it('strips the byte-order mark Excel writes, in CSV and JSON alike', async () => {
    const csv = await check(chunkedInput('bom.csv', '\uFEFFprompt,completion\r\nq,a\r\n', 2));
    expect(csv.files[0].mapping?.fields.prompt).toBe('prompt');
    expect(valid(csv)).toBe(1);
    const json = await check(chunkedInput('bom.json', '\uFEFF[{"text": "x"}]', 2));
    expect(json.problems).toEqual([]);
    expect(valid(json)).toBe(1);
  });

  it('reports an unclosed quote', async () => {
    const r = await check(chunkedInput('a.csv', 'text\n"never closed\nmore\n'));
    expect(where(r)).toEqual([expect.stringMatching(/^2: invalid CSV row: a quoted field is never closed/)]);
  });

  it('treats TSV quotes as characters', async () => {
    const r = await check(chunkedInput('a.tsv', 'prompt\tcompletion\nsay "hi\tok\n'));
    expect(r.problems).toEqual([]);
    expect(valid(r)).toBe(1);
  });
});

describe('plain text', () => {
  it('makes one record per paragraph, located at its first line', async () => {
    const r = await check(chunkedInput('notes.md', '# Title\n\nfirst para\nstill first\n\n\n\nsecond\n'));
    expect(r.problems).toEqual([]);
    expect(r.shape).toBe('text');
    expect(r.files[0].records).toBe(3);
  });
});

function chatParquet(messages: unknown[][], extra: { name: string; data: unknown[] }[] = []): Uint8Array<ArrayBuffer> {
  const buf = parquetWriteBuffer({
    columnData: [{ name: 'messages', data: messages }, ...extra],
    schema: [
      { name: 'root', num_children: 1 + extra.length },
      { name: 'messages', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'role', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'content', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      ...extra.map((e) => ({ name: e.name, type: 'INT64' as const, repetition_type: 'OPTIONAL' as const })),
    ],
  });
  return new Uint8Array(buf);
}

describe('Parquet', () => {
  it('reads string columns, row by row', async () => {
    const buf = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'instruction', data: ['a', 'b', ''], type: 'STRING' },
          { name: 'output', data: ['x', 'y', 'z'], type: 'STRING' },
          { name: 'score', data: [1, 2, 3], type: 'INT32' },
        ],
      }),
    );
    const r = await check({ name: 'd.parquet', bytes: buf });
    expect(r.shape).toBe('alpaca');
    expect(where(r)).toEqual(['row 3: empty instruction (field "instruction")']);
  });

  it('reads lists of {role, content} structs as chat, from bytes, a stream or a Blob', async () => {
    const conv = [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello' },
    ];
    const buf = chatParquet([conv, conv, [{ role: 'user', content: 'alone' }]], [{ name: 'id', data: [1n, 2n, 3n] }]);
    for (const input of [
      { name: 'c.parquet', bytes: buf },
      chunkedInput('c.parquet', buf, 100),
      { name: 'c.parquet', blob: new Blob([buf]) },
    ]) {
      const r = await check(input);
      expect(r.shape).toBe('chat');
      expect(where(r)).toEqual(['row 3: no assistant message in "messages": nothing to train on']);
    }
  });

  it('reads GZIP-compressed pages (through hyparquet-compressors), in several row groups', async () => {
    const text = Array.from({ length: 30 }, (_, i) => `row ${i} ${'x'.repeat(i)}`);
    const buf = new Uint8Array(
      parquetWriteBuffer({
        columnData: [{ name: 'text', data: text, type: 'STRING' }],
        codec: 'GZIP',
        compressors: { GZIP: (b: Uint8Array) => gzipSync(b) },
        rowGroupSize: 7,
      }),
    );
    const r = await check({ name: 'g.parquet', bytes: buf });
    expect(r.problems).toEqual([]);
    expect(valid(r)).toBe(30);
  });

  it('rejects unsupported schemas and files that are not Parquet', async () => {
    const ints = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'id', data: [1, 2], type: 'INT32' }] }));
    const r1 = await check({ name: 'i.parquet', bytes: ints });
    expect(r1.problems[0].message).toMatch(
      /^unsupported Parquet schema: no string or message-list column \(columns: id: INT32\)/,
    );
    const badText = new Uint8Array(parquetWriteBuffer({ columnData: [{ name: 'text', data: [1, 2], type: 'INT32' }] }));
    const r2 = await check({ name: 't.parquet', bytes: badText });
    expect(r2.problems[0]).toMatchObject({
      field: 'text',
      message: expect.stringMatching(/column "text" is INT32; expected a string/),
    });
    const r3 = await check(chunkedInput('x.parquet', jsonl([PC(1)])));
    expect(r3.problems[0].message).toBe('not a Parquet file: the PAR1 signature is missing');
  });
});

describe('gzip-compressed text files', () => {
  it('streams train.jsonl.gz and data.csv.gz, and reports a corrupt archive', async () => {
    const gz = gzipSync(bytesOf(jsonl([PC(1), PC(2), PC(3)])));
    const r = await check(chunkedInput('train.jsonl.gz', gz, 5));
    expect(r.problems).toEqual([]);
    expect(r.files[0]).toMatchObject({ format: 'jsonl', records: 3 });
    const csv = await check(chunkedInput('d.csv.gz', gzipSync(bytesOf('text\nhello\n'))));
    expect(valid(csv)).toBe(1);
    const bad = await check(chunkedInput('bad.jsonl.gz', Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7])));
    expect(bad.problems[0].message).toMatch(/^not a valid gzip file/);
    const pq = await check(chunkedInput('x.parquet.gz', gz));
    expect(pq.problems[0].message).toMatch(/^unsupported file type/);
  });
});

describe('file-level problems', () => {
  const cases: [string, Uint8Array | string, RegExp][] = [
    [
      'gz.jsonl',
      Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]),
      /binary file with a text extension: this is a gzip archive; add \.gz to its name \(train\.jsonl\.gz\) or decompress it/,
    ],
    ['zip.csv', Uint8Array.from([0x50, 0x4b, 3, 4, 20, 0]), /this is a zip archive/],
    ['p.json', Uint8Array.from([0x50, 0x41, 0x52, 0x31, 0, 0]), /this is a Parquet file; rename it to \.parquet/],
    ['nul.txt', Uint8Array.from([0x68, 0x69, 0, 0x21]), /NUL byte at offset 2/],
    ['u16.jsonl', Uint8Array.from([0xff, 0xfe, 0x7b, 0]), /UTF-16 encoded/],
    ['e.jsonl', '', /^empty file/],
    ['w.jsonl', '\n  \n\n', /^empty file/],
    ['e.json', '   ', /^empty file/],
    ['e.csv', '', /^empty file/],
    ['e.txt', '\n\n', /^empty file/],
    ['e.parquet', '', /^empty file/],
    ['data.xlsx', 'x', /^unsupported file type; expected one of \.jsonl/],
  ];
  for (const [name, content, want] of cases) {
    it(`${name}: ${want.source}`, async () => {
      const r = await check(chunkedInput(name, content, 3));
      expect(r.ok).toBe(false);
      expect(r.problems).toHaveLength(1);
      expect(r.problems[0]).toMatchObject({ file: name, message: expect.stringMatching(want) });
    });
  }

  it('a non-UTF-8 byte mid-way through a .json file stops the reader and says so', async () => {
    const bytes = Uint8Array.from([...bytesOf('[\n{"text": "a"},\n{"text": "b'), 0xff, ...bytesOf('"}\n]')]);
    const r = await check(chunkedInput('a.json', bytes, 16));
    expect(r.problems.at(-1)?.message).toMatch(/not valid UTF-8 .*reading stopped here, after 1 records/);
  });
});
