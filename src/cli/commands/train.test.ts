import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFixtureDir } from '../../test-utils/model-fixtures.node.js';
import { capture } from '../../test-utils/capture-stdout';
import { runCommand } from '../../test-utils/run-cli';
import { scoreCommand } from './score';
import { trainCommand } from './train';

let dir: string;
const model = modelFixtureDir('llama-tied');

/** Runs `train` in-process, capturing stdout and stderr. */
const train = (args: string[]) => runCommand(trainCommand, args);

const jsonLines = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
/** The per-step lines (every stdout line but the summary). */
const steps = (out: string) =>
  jsonLines(out).filter((l) => !l.summary) as Array<{ step: number; loss: number; lr: number; evalLoss?: number }>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'train-cli-'));
  const rows = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({ prompt: 'hi '.repeat((i % 3) + 1), completion: 'there '.repeat((i % 4) + 1) }),
  );
  await writeFile(path.join(dir, 'data.jsonl'), rows.join('\n') + '\n');
  await writeFile(path.join(dir, 'bad.jsonl'), '{"prompt":"hi","completion":"there"}\n{"prompt": 3}\n');
  const pairs = Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({ prompt: 'hi '.repeat((i % 3) + 1), chosen: 'there', rejected: 'away' }),
  );
  await writeFile(path.join(dir, 'pairs.jsonl'), pairs.join('\n') + '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const common = [
  '--model',
  model,
  '--data',
  '',
  '--batch',
  '2',
  '--lr',
  '1e-2',
  '--seed',
  '3',
  '--schedule',
  'constant',
];
const withData = (file: string) => common.map((a, i) => (i === 3 ? path.join(dir, file) : a));
/** `train` on `file` of the temp dir into its folder `out`, with `flags` as typed on a command line. */
const trainOn = (file: string, out: string, flags: string) =>
  train([...withData(file), '--out', path.join(dir, out), ...flags.split(' ')]);

describe('train CLI', () => {
  it('prints one JSON object per step and writes a PEFT adapter folder', async () => {
    const out = path.join(dir, 'a');
    const r = await trainOn(
      'data.jsonl',
      'a',
      '--steps 4 --rank 4 --alpha 8 --targets q_proj,v_proj --eval-split 0.2 --eval-every 2',
    );
    expect(r.code).toBe(0);
    const lines = steps(r.out);
    expect(lines.map((l) => l.step)).toEqual([1, 2, 3, 4]);
    expect(lines.every((l) => Number.isFinite(l.loss) && l.lr === 1e-2)).toBe(true);
    expect(lines[1].evalLoss).toBeGreaterThan(0);
    expect(lines[3].loss).toBeLessThan(lines[0].loss);
    const cfg = JSON.parse(await readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj'] });
    expect(r.err).toMatch(/trainable: \d+ parameters/);
    // Last line: the summary, measured peak (wasm heap high-water) against the studio's estimate.
    const summary = jsonLines(r.out).at(-1)!;
    expect(summary).toMatchObject({
      summary: true,
      steps: 4,
      backend: 'wasm',
      status: 'finished',
      quant: 'f32',
      embeddings: 'f32',
      checkpointing: true,
    });
    expect(summary.peakBytes).toBe(summary.wasmHeapBytes);
    expect(summary.peakBytes as number).toBeGreaterThan(summary.tensorPeakBytes as number);
    expect(summary.estimateBytes as number).toBeGreaterThan(0);
    expect(Object.keys(summary).slice(0, 5)).toEqual(['summary', 'steps', 'backend', 'peakBytes', 'estimateBytes']);
  });

  it('on the cpu backend the summary peak is the peak of live tensor bytes, base included', async () => {
    const r = await trainOn('data.jsonl', 'cpu', '--steps 1 --rank 2 --backend cpu');
    expect(r.code).toBe(0);
    const summary = jsonLines(r.out).at(-1)!;
    expect(summary).toMatchObject({
      summary: true,
      steps: 1,
      backend: 'cpu',
      wasmHeapBytes: null,
      gpuAllocatedBytes: null,
    });
    expect(summary.peakBytes).toBe(summary.tensorPeakBytes);
    expect(summary.peakBytes as number).toBeGreaterThan((summary.estimate as { baseBytes: number }).baseBytes);
  });

  it('--method dpo --dora --lora-plus-ratio: ln 2 first, TRL metrics per step, a DoRA PEFT folder', async () => {
    const out = path.join(dir, 'dpo');
    const r = await trainOn(
      'pairs.jsonl',
      'dpo',
      '--steps 3 --rank 2 --method dpo --beta 0.1 --loss sigmoid --dora --lora-plus-ratio 4',
    );
    expect(r.code).toBe(0);
    const lines = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>)
      .filter((l) => !l.summary);
    expect(lines).toHaveLength(3);
    expect(Math.abs(lines[0].loss - Math.LN2)).toBeLessThan(1e-4);
    for (const k of [
      'rewards/chosen',
      'rewards/rejected',
      'rewards/accuracies',
      'rewards/margins',
      'logps/chosen',
      'logps/rejected',
    ]) {
      expect(
        lines.every((l) => Number.isFinite(l[k])),
        k,
      ).toBe(true);
    }
    expect(lines[2]['rewards/margins']).toBeGreaterThan(lines[0]['rewards/margins']);
    const cfg = JSON.parse(await readFile(path.join(out, 'adapter_config.json'), 'utf8'));
    expect(cfg.use_dora).toBe(true);
    const orpo = await trainOn('pairs.jsonl', 'orpo', '--steps 1 --method orpo');
    expect(orpo.code).toBe(0);
    expect((JSON.parse(orpo.out.split('\n')[0]) as Record<string, number>)['rewards/chosen']).toBeLessThan(0);
  });

  it('refuses a method that does not fit the data, and bad method flags', async () => {
    await expect(trainOn('data.jsonl', 'x', '--steps 1 --method dpo')).rejects.toThrow(
      /DPO trains on preference pairs/,
    );
    await expect(trainOn('pairs.jsonl', 'y', '--steps 1')).rejects.toThrow(/preference dataset.*DPO or ORPO/);
    await expect(trainOn('pairs.jsonl', 'z', '--method kto')).rejects.toThrow(/--method must be sft, dpo, orpo/);
    await expect(trainOn('pairs.jsonl', 'z', '--method dpo --loss hinge')).rejects.toThrow(
      /--loss must be sigmoid or ipo/,
    );
  });

  it('stops before training on bad rows, printing FILE:LINE problems', async () => {
    const r = await trainOn('bad.jsonl', 'bad', '--steps 2');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/bad\.jsonl:2: /);
    const skipped = await trainOn('bad.jsonl', 'skip', '--steps 1 --skip-invalid');
    expect(skipped.code).toBe(0);
  });

  it('nothing to train on says why: the templated prompt fills --seq-len', async () => {
    const r = await trainOn('data.jsonl', 'empty', '--steps 1 --seq-len 8');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    // The fixture has no chat template: 'hi ' in the default instruction template is 30+ byte tokens.
    expect(r.err).toMatch(
      /nothing to train on: the shortest prompt renders to \d+ tokens with the template "\{system\}[^\n]*and --seq-len is 8; every example lost its answer/,
    );
  });

  it('--resume continues the same loss curve from the checkpoint', async () => {
    const straight = await trainOn('data.jsonl', 's', '--steps 4');
    const first = await trainOn('data.jsonl', 'r', '--steps 2 --checkpoint-every 1');
    const second = await trainOn('data.jsonl', 'r', '--steps 4 --resume');
    expect(second.err).toMatch(/resuming at step 2 of 4/);
    const all = [...steps(first.out), ...steps(second.out)].map((l) => l.loss);
    expect(all).toEqual(steps(straight.out).map((l) => l.loss));
  });

  it('score --adapter applies trained adapters, weighted and stacked', async () => {
    const a = path.join(dir, 'a'); // written by the first test
    const run = async (args: string[]) => {
      const out = await capture(() =>
        scoreCommand.run(['--model', model, '--ids', '1,7,9,10,7,9', '--backend', 'cpu', ...args]),
      );
      return (JSON.parse(out) as { logprobs: (number | null)[] }).logprobs.slice(1) as number[];
    };
    const base = await run([]);
    const full = await run(['--adapter', a]);
    const zero = await run(['--adapter', `${a}:0`]);
    const twiceHalf = await run(['--adapter', `${a}:0.5`, '--adapter', `${a}:0.5`]);
    expect(full).not.toEqual(base);
    expect(zero).toEqual(base);
    full.forEach((v, i) => expect(twiceHalf[i]).toBeCloseTo(v, 5));
  });
});
