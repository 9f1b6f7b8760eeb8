import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dataCommand } from '../cli/commands/data';
import { modelFixtureDir } from '../test-utils/model-fixtures.node.js';
import { runCommand } from '../test-utils/run-cli';
import { sampleDataset } from './sample';
import { chunkedInput, jsonl } from './test-inputs.node.js';

const dir = mkdtempSync(join(tmpdir(), 'data-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const runCli = (args: string[]) => runCommand(dataCommand, args);

describe('data check (CLI)', () => {
  it('prints shape and counts, exits 0 for a clean file', async () => {
    const f = join(dir, 'ok.jsonl');
    writeFileSync(
      f,
      jsonl([
        { instruction: 'a', output: 'b' },
        { instruction: 'c', input: 'd', output: 'e' },
      ]),
    );
    const r = await runCli(['check', f]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`${f}: jsonl, alpaca (instruction, output, input, system); 2 records, 2 valid`);
    expect(r.out).not.toContain('input ←');
    expect(r.out).toContain('ok: no problems found');
  });

  it('0 usable examples is not "ok": the reason is the verdict, exit 1', async () => {
    const f = join(dir, 'long-prompts.jsonl');
    writeFileSync(
      f,
      jsonl([
        { prompt: 'a long question '.repeat(4), completion: 'yes' },
        { prompt: 'another long one '.repeat(4), completion: 'no' },
      ]),
    );
    const r = await runCli(['check', f, '--model', modelFixtureDir('llama-tied'), '--seq-len', '16']);
    expect(r.code).toBe(1);
    expect(r.out).not.toContain('ok: no problems found');
    expect(r.err).toMatch(
      /^error: nothing to train on: the shortest prompt renders to \d+ tokens with the template .* and --seq-len is 16; every example lost its answer/m,
    );
    const fine = await runCli(['check', f, '--model', modelFixtureDir('llama-tied'), '--seq-len', '256']);
    expect(fine.code).toBe(0);
    expect(fine.out).toContain('ok: no problems found');
  });

  it('prints FILE:LINE problems (first 20, then a count) and exits 1; --skip-invalid exits 0', async () => {
    const f = join(dir, 'bad.jsonl');
    const bad = Array.from({ length: 23 }, (_, i) => (i % 2 ? '{"text": 1}' : '{broken'));
    writeFileSync(f, ['{"text": "fine"}', ...bad].join('\n'));
    const r = await runCli(['check', f]);
    expect(r.code).toBe(1);
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${f}:2: invalid JSON`));
    expect(lines[1]).toBe(`${f}:3: field "text" must be a string, got a number`);
    expect(lines[20]).toBe('... and 3 more');
    const s = await runCli(['check', f, '--skip-invalid']);
    expect(s.code).toBe(0);
    expect(s.err).toContain('skipped 23 invalid records (--skip-invalid)');
  });

  it('data synth writes a JSONL that data check accepts', async () => {
    const f = join(dir, 'synth.jsonl');
    const w = await runCli(['synth', f, '--mb', '0.05', '--shape', 'sharegpt', '--seed', '3']);
    expect(w.code).toBe(0);
    const r = await runCli(['check', f]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/jsonl, sharegpt .* records, \d+ valid/);
  });

  it('--json prints the result without token arrays', async () => {
    const f = join(dir, 'j.jsonl');
    writeFileSync(f, jsonl([{ text: 'a' }, { text: '' }]));
    const r = await runCli(['check', f, '--json']);
    expect(r.code).toBe(1);
    const parsed = JSON.parse(r.out);
    expect(parsed).toMatchObject({
      ok: false,
      problemCount: 1,
      problems: [{ file: f, line: 2, field: 'text' }],
      shape: 'text',
    });
    expect(parsed.train).toBeUndefined();
  });

  it('rejects bad arguments', async () => {
    const r = await runCli(['nope']);
    expect(r.code).toBe(2);
    await expect(dataCommand.run(['check'])).rejects.toThrow(/usage: data check/);
  });
});

describe('sampleDataset', () => {
  it('returns the first records, keys and mapping without reading the rest', async () => {
    const recs = Array.from({ length: 1000 }, (_, i) => ({ question: `q${i}`, answer: `a${i}` }));
    let pulled = 0;
    const input = chunkedInput('big.jsonl', jsonl(recs), 256);
    const inner = input.stream as AsyncIterable<Uint8Array>;
    input.stream = (async function* () {
      for await (const c of inner) {
        pulled += c.length;
        yield c;
      }
    })();
    const s = await sampleDataset(input, 3);
    expect(s).toMatchObject({ format: 'jsonl', keys: ['question', 'answer'], mapping: { shape: 'prompt-completion' } });
    expect(s.records.map((r) => r.line)).toEqual([1, 2, 3]);
    expect(pulled).toBeLessThan(10_000);
  });
});
