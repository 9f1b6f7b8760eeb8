import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { modelFixtureDir, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import type { VariantScore } from '../../eval/evaluate';
import { capture } from '../../test-utils/capture-stdout';
import { CliError } from '../command';
import { evalCommand } from './eval';

const EVAL = path.join(REPO_ROOT, 'fixtures', 'eval');
const MODEL = modelFixtureDir('llama-tied');
const A = path.join(EVAL, 'adapter-a');
const B = path.join(EVAL, 'adapter-b');

interface Golden {
  examples: number;
  variants: Record<string, { loss: number; tokens: number; perExample: number[] }>;
}

/** One JSON line: a variant's figures, plus the Predict rows and metrics when asked for. */
interface Line extends Omit<VariantScore, 'perExample'> {
  predictions?: Array<{ index: number; text: string; rougeL: number }>;
  metrics?: Record<string, number | null>;
}

async function runEval(args: string[]): Promise<Line[]> {
  const out = await capture(() => evalCommand.run(args));
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
}

/** The fixture command of scripts/fixtures/make_eval_fixtures.py, with absolute paths. */
const FIXTURE_ARGS = [
  '--model',
  MODEL,
  '--data',
  path.join(EVAL, 'data.jsonl'),
  '--all',
  '--adapter',
  A,
  '--adapter',
  `${B}:0.5`,
  '--mix',
  `ab=${A}:0.7,${B}:-0.3`,
];

afterEach(() => vi.restoreAllMocks());

describe('eval', () => {
  it('loss equals the float64 PyTorch computation on the dumped ids, for the base, adapters and a mix', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-'));
    const dump = path.join(dir, 'tokens.jsonl');
    const lines = await runEval([...FIXTURE_ARGS, '--dump-tokens', dump]);
    // The golden was computed on these very ids: the dump must not have drifted from the committed one.
    expect(await readFile(dump, 'utf8')).toBe(await readFile(path.join(EVAL, 'tokens.jsonl'), 'utf8'));
    const golden = JSON.parse(await readFile(path.join(EVAL, 'golden.json'), 'utf8')) as Golden;
    const expected = Object.values(golden.variants);
    expect(lines.map((l) => l.variant)).toEqual(['base', A, `${B}:0.5`, 'ab']);
    lines.forEach((line, i) => {
      expect(Object.keys(line)).toEqual(['variant', 'loss', 'perplexity', 'tokens', 'examples', 'ci95']);
      expect(Math.abs(line.loss - expected[i].loss)).toBeLessThan(1e-5);
      expect(line.perplexity).toBeCloseTo(Math.exp(expected[i].loss), 2);
      expect(line.tokens).toBe(expected[i].tokens);
      expect(line.examples).toBe(golden.examples);
      expect(line.ci95[0]).toBeLessThan(line.loss);
      expect(line.ci95[1]).toBeGreaterThan(line.loss);
    });
    // The variants differ, so a mix-up of hooks between rows would show.
    expect(new Set(lines.map((l) => l.loss.toFixed(3))).size).toBe(4);
  });

  it('--no-batch gives the same losses and identical predictions', async () => {
    const args = [...FIXTURE_ARGS, '--predict', '4', '--max-new-tokens', '6', '--seed', '3'];
    const batched = await runEval(args);
    const alone = await runEval([...args, '--no-batch']);
    batched.forEach((line, i) => {
      expect(Math.abs(line.loss - alone[i].loss)).toBeLessThan(1e-5);
      expect(line.predictions).toHaveLength(4);
      expect(line.predictions).toEqual(alone[i].predictions);
      expect(Object.keys(line.metrics ?? {})).toEqual(['exactMatch', 'rougeL', 'bleu4', 'validJson', 'sameKeys']);
    });
    expect(batched[0].predictions!.map((p) => p.text)).not.toEqual(batched[1].predictions!.map((p) => p.text));
  });

  it('the default eval split holds out examples; --eval-split picks more', async () => {
    const data = ['--model', MODEL, '--data', path.join(EVAL, 'data.jsonl')];
    expect((await runEval(data))[0].examples).toBe(1);
    expect((await runEval([...data, '--eval-split', '3']))[0].examples).toBe(3);
  });

  it('refuses an adapter of another base with the reason', async () => {
    // A base of other shapes (Qwen3: head_dim 16, so q_proj is [64, 32]) with a tokenizer to read the data.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-'));
    for (const f of ['config.json', 'model.safetensors'])
      await copyFile(path.join(modelFixtureDir('qwen3'), f), path.join(dir, f));
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(path.join(MODEL, f), path.join(dir, f));
    const run = evalCommand.run(['--model', dir, '--data', path.join(EVAL, 'data.jsonl'), '--all', '--adapter', A]);
    await expect(run).rejects.toThrow(CliError);
    await expect(
      evalCommand.run(['--model', dir, '--data', path.join(EVAL, 'data.jsonl'), '--all', '--adapter', A]),
    ).rejects.toThrow(/shape|different model|base/i);
  });

  it('refuses data prepared with another tokenizer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-'));
    const file = path.join(dir, 'other.jsonl');
    await writeFile(file, JSON.stringify({ ids: [1, 300, 5], lossMask: [0, 1, 1] }) + '\n');
    await expect(evalCommand.run(['--model', MODEL, '--data', file])).rejects.toThrow(
      /prepared with another tokenizer/,
    );
  });

  it('scores a token dump as it was scored, and says why when nothing carries loss', async () => {
    const lines = await runEval(['--model', MODEL, '--data', path.join(EVAL, 'tokens.jsonl')]);
    const golden = JSON.parse(await readFile(path.join(EVAL, 'golden.json'), 'utf8')) as Golden;
    expect(Math.abs(lines[0].loss - golden.variants.base.loss)).toBeLessThan(1e-5);
    // Completions cut off by the sequence length: the reason, not a NaN.
    const cut = evalCommand.run(['--model', MODEL, '--data', path.join(EVAL, 'data.jsonl'), '--all', '--seq-len', '6']);
    await expect(cut).rejects.toThrow(
      /no example has a loss-carrying token within --seq-len 6: the prompt alone fills it/,
    );
    // A pre-tokenized file whose masks are all 0.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'eval-'));
    const file = path.join(dir, 'no-loss.jsonl');
    await writeFile(file, JSON.stringify({ ids: [1, 5, 6], lossMask: [0, 0, 0] }) + '\n');
    await expect(evalCommand.run(['--model', MODEL, '--data', file])).rejects.toThrow(
      /has a loss-carrying token, so there is nothing to score/,
    );
  });
});
