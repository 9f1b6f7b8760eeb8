import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { goldenLogProbs, modelFixtureDir, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import { maxAbsDiff, meanAbsDiff } from '../../test-utils/tolerance';
import { runCommand } from '../../test-utils/run-cli';
import { CliError } from '../command';
import { scoreCommand } from './score';

/** Runs `score` with `args`, returning its exit code and everything it wrote. */
const score = (args: string[]) => runCommand(scoreCommand, args);

afterEach(() => vi.restoreAllMocks());

describe('score', () => {
  it('prints exactly one JSON line matching the PyTorch golden log-probs (f32 default)', async () => {
    const golden = goldenLogProbs('qwen3')[1];
    const { code, out } = await score(['--model', modelFixtureDir('qwen3'), '--ids', golden.ids.join(',')]);
    expect(code).toBe(0);
    expect(out.endsWith('\n')).toBe(true);
    expect(out.trim().split('\n')).toHaveLength(1);
    const json = JSON.parse(out) as { ids: number[]; logprobs: (number | null)[] };
    expect(Object.keys(json)).toEqual(['ids', 'logprobs']);
    expect(json.ids).toEqual(golden.ids);
    expect(json.logprobs[0]).toBeNull();
    expect(maxAbsDiff(json.logprobs, golden.logprobs)).toBeLessThan(1e-4);
  });

  it('--quant int8 stays close to the f32 reference', async () => {
    const golden = goldenLogProbs('llama-tied')[1];
    const { out } = await score([
      '--model',
      modelFixtureDir('llama-tied'),
      '--quant',
      'int8',
      '--ids',
      golden.ids.join(','),
    ]);
    const json = JSON.parse(out) as { logprobs: (number | null)[] };
    expect(meanAbsDiff(json.logprobs, golden.logprobs)).toBeLessThan(0.05);
  });

  it('--embeddings f16 is lossless on a BF16 checkpoint', async () => {
    const golden = goldenLogProbs('llama-bf16')[2];
    const { out } = await score([
      '--model',
      modelFixtureDir('llama-bf16'),
      '--embeddings',
      'f16',
      '--ids',
      golden.ids.join(','),
    ]);
    expect(maxAbsDiff(JSON.parse(out).logprobs, golden.logprobs)).toBeLessThan(1e-4);
  });

  it('--text tokenizes with the model tokenizer, BOS included', async () => {
    const dir = modelFixtureDir('llama-tied');
    const byText = JSON.parse((await score(['--model', dir, '--text', 'hi there'])).out);
    expect(byText.ids).toEqual([1, 7, 9, 10]);
    const byIds = JSON.parse((await score(['--model', dir, '--ids', '1,7,9,10'])).out);
    expect(byText.logprobs).toEqual(byIds.logprobs);
  });

  it('rejects bad arguments with clear messages', async () => {
    const dir = modelFixtureDir('llama-tied');
    await expect(score(['--ids', '1,2'])).rejects.toThrow(new CliError('--model DIR is required'));
    await expect(score(['--model', dir])).rejects.toThrow('pass exactly one of --ids 1,2,3 or --text STR');
    await expect(score(['--model', dir, '--ids', '1,x'])).rejects.toThrow(/--ids must be comma-separated/);
    await expect(score(['--model', dir, '--ids', '1,999'])).rejects.toThrow(
      /token id 999 is outside the model's vocabulary \(256\)/,
    );
    await expect(score(['--model', dir, '--quant', 'int3', '--ids', '1'])).rejects.toThrow(/--quant must be one of/);
    await expect(score(['--model', dir, '--adapter', '/a', '--ids', '1'])).rejects.toThrow('/a: adapter not found');
    await expect(score(['--model', '/nonexistent/model', '--ids', '1'])).rejects.toThrow(
      /\/nonexistent\/model: model folder not found/,
    );
    await expect(score(['--model', modelFixtureDir('qwen3'), '--text', 'hi'])).rejects.toThrow(
      /tokenizer\.json is missing/,
    );
  });

  it('`npm run -s cli -- score` prints only the JSON line on stdout', async () => {
    const golden = goldenLogProbs('mistral')[0];
    const args = [
      'run',
      '-s',
      'cli',
      '--',
      'score',
      '--model',
      modelFixtureDir('mistral'),
      '--ids',
      golden.ids.join(','),
    ];
    const { stdout } = await promisify(execFile)('npm', args, { cwd: REPO_ROOT, timeout: 60_000 });
    const lines = stdout.split('\n').filter((l) => l.length > 0);
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0]) as { ids: number[]; logprobs: (number | null)[] };
    expect(json.ids).toEqual(golden.ids);
    expect(maxAbsDiff(json.logprobs, golden.logprobs)).toBeLessThan(1e-4);
  });
});
