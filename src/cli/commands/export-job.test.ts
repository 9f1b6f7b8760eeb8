/** `export-job` end to end through the CLI command: the job folder, the zip, and refusals that write nothing. */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { load, YAML11_SCHEMA } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../command';
import { runCommand } from '../../test-utils/run-cli';
import { exportJobCommand } from './export-job';

const root = path.resolve(__dirname, '../../..');
const demo = path.join(root, 'public/models/lorastudio-demo');
const chatData = path.join(root, 'public/datasets/ship-log-chat.jsonl');
const dir = mkdtempSync(path.join(tmpdir(), 'export-job-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: string[]) => runCommand(exportJobCommand, args);

describe('export-job CLI', () => {
  it('writes the job for a hub id with the training flags mapped, plus a zip', async () => {
    const out = path.join(dir, 'job');
    const args = [
      '--model-id',
      'HuggingFaceTB/SmolLM2-135M-Instruct',
      '--data',
      chatData,
      '--out',
      out,
      '--zip',
      '--rank',
      '16',
      '--alpha',
      '32',
      '--dropout',
      '0.1',
      '--targets',
      'q_proj,v_proj',
      '--rslora',
      '--dora',
      '--lr',
      '1e-4',
      '--schedule',
      'linear',
      '--warmup',
      '10',
      '--epochs',
      '2',
      '--batch',
      '4',
      '--grad-accum',
      '2',
      '--seq-len',
      '256',
      '--quant',
      'nf4',
      '--eval-split',
      '0.1',
      '--seed',
      '3',
      '--lora-plus-ratio',
      '16',
      '--run-id',
      'run-cli',
    ];
    const r = await run(args);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      runId: 'run-cli',
      kind: 'chat',
      train: 720,
      eval: 80,
      warnings: [expect.stringMatching(/DoRA on a quantized base/)],
    });
    const yaml = load(readFileSync(path.join(out, 'axolotl.yaml'), 'utf8'), { schema: YAML11_SCHEMA });
    expect(yaml).toMatchObject({
      base_model: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      adapter: 'qlora',
      load_in_4bit: true,
      lora_r: 16,
      lora_alpha: 32,
      lora_dropout: 0.1,
      lora_target_modules: ['q_proj', 'v_proj'],
      peft_use_rslora: true,
      peft_use_dora: true,
      loraplus_lr_ratio: 16,
      learning_rate: 1e-4,
      lr_scheduler: 'linear',
      warmup_steps: 10,
      num_epochs: 2,
      micro_batch_size: 4,
      gradient_accumulation_steps: 2,
      sequence_len: 256,
      seed: 3,
      output_dir: './outputs/run-cli',
    });
    expect(readdirSync(path.join(out, 'data')).sort()).toEqual(['eval.jsonl', 'train.jsonl']);
    expect(existsSync(`${out}.zip`)).toBe(true);
  });

  it('from a model folder without a hub id: a placeholder, a warning, and the tokenizer default template', async () => {
    const out = path.join(dir, 'job-local');
    const r = await run(['--model', demo, '--data', chatData, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: no Hugging Face id for the base/);
    expect(readFileSync(path.join(out, 'axolotl.yaml'), 'utf8')).toMatch(/^base_model: REPLACE_WITH_HF_MODEL_ID$/m);
  });

  it.each([
    [['--data', chatData], /--model DIR or --model-id HF_ID is required/],
    [['--model-id', '../etc', '--data', chatData], /--model-id must be a Hugging Face id/],
    [['--model-id', 'a/b', '--model', demo, '--data', chatData], /not both/],
    [['--model-id', 'a/b'], /--data FILE is required/],
    [['--model-id', 'a/b', '--data', chatData, '--method', 'ppo'], /--method must be sft, dpo,? (or )?orpo/],
    [['--model-id', 'a/b', '--data', chatData, '--method', 'dpo'], /--method dpo needs preference pairs/],
    [['--model-id', 'a/b', '--data', chatData, '--loss', 'hinge'], /--loss must be sigmoid or ipo/],
    [
      ['--model-id', 'a/b', '--data', chatData, '--template', 'no placeholder'],
      /--template: the prompt template has no \{prompt\}/,
    ],
    [['--model-id', 'a/b', '--data', chatData, '--lora-plus-ratio', '-1'], /--lora-plus-ratio must be a number > 0/],
    [['--model-id', 'a/b', '--data', chatData, '--run-id', '../x'], /--run-id must be/],
  ])('refuses %j with a clear message and writes nothing', async (args, message) => {
    const out = path.join(dir, `bad-${Math.random().toString(36).slice(2)}`);
    await expect(run([...args, '--out', out])).rejects.toThrow(CliError);
    await expect(run([...args, '--out', out])).rejects.toThrow(message);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an --out that is a file or a folder that is not a job, leaving it untouched', async () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, 'keep');
    await expect(run(['--model-id', 'a/b', '--data', chatData, '--out', file])).rejects.toThrow(/is a file/);
    expect(readFileSync(file, 'utf8')).toBe('keep');
    await expect(run(['--model-id', 'a/b', '--data', chatData, '--out', root])).rejects.toThrow(/not a job folder/);
  });
});

describe('export-job CLI, preference pairs', () => {
  it('DPO from the shipped sample pairs: detected by the data pipeline, written for chat_template.default', async () => {
    const out = path.join(dir, 'job-dpo');
    const r = await run([
      '--model-id',
      'a/b',
      '--data',
      path.join(root, 'public/datasets/sea-preference.jsonl'),
      '--method',
      'dpo',
      '--beta',
      '0.2',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    const yaml = load(readFileSync(path.join(out, 'axolotl.yaml'), 'utf8'), { schema: YAML11_SCHEMA }) as Record<
      string,
      unknown
    >;
    expect(yaml).toMatchObject({ rl: 'dpo', rl_beta: 0.2, datasets: [{ type: 'chat_template.default' }] });
    const first = JSON.parse(readFileSync(path.join(out, 'data/train.jsonl'), 'utf8').split('\n')[0]) as Record<
      string,
      unknown
    >;
    expect(first).toMatchObject({ chosen: { role: 'assistant' }, rejected: { role: 'assistant' } });
    expect((first.messages as { role: string }[]).some((m) => m.role === 'user')).toBe(true);
  });

  it('preference pairs with --method sft are refused with the fix', async () => {
    const out = path.join(dir, 'job-sft-pairs');
    await expect(
      run(['--model-id', 'a/b', '--data', path.join(root, 'public/datasets/sea-preference.jsonl'), '--out', out]),
    ).rejects.toThrow(/pass --method dpo or orpo/);
    expect(existsSync(out)).toBe(false);
  });
});
