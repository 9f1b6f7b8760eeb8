/**
 * The axolotl config we write, held to axolotl's own schema (keys recorded from its pydantic models at a named
 * commit: fixtures/axolotl/config-keys.json, scripts/fixtures/record_axolotl_keys.py) and mapped setting by setting.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { axolotlConfig } from './axolotl-config';
import type { JobDataKind } from './job-records';
import type { HandoffSpec } from './job-spec';
import { testSpec } from './test-specs';

const schema = JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/axolotl/config-keys.json'), 'utf8')) as {
  commit: string;
  topLevel: string[];
  datasets: Record<string, string[]>;
  enums: Record<string, string[]>;
};
const topLevel = new Set(schema.topLevel);
const sftKeys = new Set(schema.datasets.SFTDataset);
const dpoKeys = new Set(schema.datasets.DPODataset);

/** Keys axolotl does not declare, as `where.key`. */
function unknownKeys(config: Record<string, unknown>, kind: JobDataKind): string[] {
  const bad = Object.keys(config).filter((k) => !topLevel.has(k));
  const known = kind === 'dpo' || kind === 'orpo' ? dpoKeys : sftKeys;
  for (const list of ['datasets', 'test_datasets']) {
    for (const entry of (config[list] as Record<string, unknown>[] | undefined) ?? []) {
      bad.push(
        ...Object.keys(entry)
          .filter((k) => !known.has(k))
          .map((k) => `${list}[].${k}`),
      );
    }
  }
  return bad;
}

const lora = testSpec().lora;
const train = testSpec().train;
const cases: [string, Partial<HandoffSpec>, JobDataKind][] = [
  ['defaults, chat', {}, 'chat'],
  [
    'prompt template segments',
    { render: { template: '{prompt}\n', completionOnly: true, pack: true, evalSplit: 0.1 } },
    'segments',
  ],
  ['plain text', {}, 'text'],
  [
    'nf4 + DoRA + LoRA+ + rsLoRA + patterns + layers',
    {
      quant: 'nf4',
      dora: true,
      loraPlusRatio: 16,
      lora: {
        ...lora,
        useRslora: true,
        layers: [0, 2],
        rankPattern: { q_proj: 4 },
        alphaPattern: { v_proj: 8 },
        init: 'gaussian',
        targets: ['q_proj', 'v_proj'],
      },
    },
    'chat',
  ],
  [
    'int8, epochs, eval + checkpoint cadence',
    {
      quant: 'int8',
      train: {
        ...train,
        steps: null,
        epochs: 3,
        evalEvery: 5,
        checkpointEvery: 10,
        evalMaxExamples: 4,
        onNonFinite: 'retry-half-lr',
      },
    },
    'chat',
  ],
  ['DPO sigmoid', { method: 'dpo' }, 'dpo'],
  ['DPO IPO', { method: 'dpo', preference: { beta: 0.3, loss: 'ipo' } }, 'dpo'],
  ['ORPO', { method: 'orpo', preference: { beta: 0.2, loss: 'sigmoid' } }, 'orpo'],
  ['no hub id', { modelId: null }, 'chat'],
];

describe(`axolotl config keys (schema at axolotl ${schema.commit.slice(0, 12)})`, () => {
  it('the recorded schema is the real one: it holds the keys the issue names and a few hundred more', () => {
    expect(schema.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(schema.topLevel.length).toBeGreaterThan(300);
    expect(schema.enums.RLType).toEqual(expect.arrayContaining(['dpo', 'orpo']));
  });

  it.each(cases)('%s: every key we write, top level and in datasets[], is one axolotl declares', (_, over, kind) => {
    const { config } = axolotlConfig(testSpec(over), kind, true, true);
    expect(unknownKeys(config, kind)).toEqual([]);
  });

  it('the check catches a key axolotl does not know', () => {
    const { config } = axolotlConfig(testSpec(), 'chat', true);
    expect(unknownKeys({ ...config, lora_rank: 8, datasets: [{ path: 'x', field_msgs: 'm' }] }, 'chat')).toEqual([
      'lora_rank',
      'datasets[].field_msgs',
    ]);
  });
});

/** One row per setting: our value → axolotl's key and value. */
const rows: [string, Partial<HandoffSpec>, Record<string, unknown>][] = [
  ['rank', { lora: { ...lora, rank: 32 } }, { lora_r: 32 }],
  ['alpha', { lora: { ...lora, alpha: 64 } }, { lora_alpha: 64 }],
  ['dropout', { lora: { ...lora, dropout: 0.1 } }, { lora_dropout: 0.1 }],
  ['targets all-linear', {}, { lora_target_linear: true }],
  ['targets list', { lora: { ...lora, targets: ['q_proj', 'v_proj'] } }, { lora_target_modules: ['q_proj', 'v_proj'] }],
  ['layers', { lora: { ...lora, layers: [1, 3] } }, { peft_layers_to_transform: [1, 3] }],
  ['rsLoRA', { lora: { ...lora, useRslora: true } }, { peft_use_rslora: true }],
  ['DoRA', { dora: true }, { peft_use_dora: true }],
  ['gaussian init', { lora: { ...lora, init: 'gaussian' } }, { peft_init_lora_weights: 'gaussian' }],
  [
    'rank pattern',
    { lora: { ...lora, rankPattern: { 'layers.0.self_attn.q_proj': 4 } } },
    { lora_rank_pattern: { 'layers.0.self_attn.q_proj': 4 } },
  ],
  ['LoRA+', { loraPlusRatio: 16 }, { loraplus_lr_ratio: 16 }],
  ['f32 base', { quant: 'f32' }, { adapter: 'lora' }],
  ['f16 base', { quant: 'f16' }, { adapter: 'lora' }],
  ['nf4 → QLoRA', { quant: 'nf4' }, { adapter: 'qlora', load_in_4bit: true }],
  ['int4 → QLoRA', { quant: 'int4' }, { adapter: 'qlora', load_in_4bit: true }],
  ['int8 → 8-bit', { quant: 'int8' }, { adapter: 'lora', load_in_8bit: true }],
  ['lr', { train: { ...train, lr: 3e-4 } }, { learning_rate: 3e-4 }],
  ['cosine', {}, { lr_scheduler: 'cosine' }],
  ['linear', { train: { ...train, schedule: 'linear' } }, { lr_scheduler: 'linear' }],
  ['constant', { train: { ...train, schedule: 'constant' } }, { lr_scheduler: 'constant' }],
  [
    'constant + warmup',
    { train: { ...train, schedule: 'constant', warmupSteps: 5 } },
    { lr_scheduler: 'constant_with_warmup', warmup_steps: 5 },
  ],
  ['steps', { train: { ...train, steps: 200 } }, { max_steps: 200 }],
  ['epochs', { train: { ...train, steps: null, epochs: 2 } }, { num_epochs: 2 }],
  ['batch', { train: { ...train, batchSize: 4 } }, { micro_batch_size: 4 }],
  ['grad accum', { train: { ...train, gradAccum: 8 } }, { gradient_accumulation_steps: 8 }],
  ['seq len', { train: { ...train, maxSeqLen: 1024 } }, { sequence_len: 1024 }],
  ['weight decay', { train: { ...train, adamw: { ...train.adamw, weightDecay: 0.01 } } }, { weight_decay: 0.01 }],
  ['Adam betas + eps', {}, { adam_beta1: 0.9, adam_beta2: 0.999, adam_epsilon: 1e-8, optimizer: 'adamw_torch' }],
  ['grad clip', { train: { ...train, maxGradNorm: 0.5 } }, { max_grad_norm: 0.5 }],
  ['seed', { train: { ...train, seed: 7 } }, { seed: 7 }],
  ['eval every', { train: { ...train, evalEvery: 25 } }, { eval_steps: 25 }],
  ['checkpoint every', { train: { ...train, checkpointEvery: 50 } }, { save_steps: 50 }],
  ['completion-only loss', {}, { train_on_inputs: false }],
  [
    'loss on everything',
    { render: { template: 'chat', completionOnly: false, pack: false, evalSplit: 0 } },
    { train_on_inputs: true },
  ],
  [
    'packing',
    { render: { template: 'chat', completionOnly: true, pack: true, evalSplit: 0 } },
    { sample_packing: true, pad_to_sequence_len: true },
  ],
  ['checkpointing on', {}, { gradient_checkpointing: true }],
  ['checkpointing off', { checkpointing: false }, { gradient_checkpointing: false }],
  ['DPO', { method: 'dpo', preference: { beta: 0.2, loss: 'sigmoid' } }, { rl: 'dpo', rl_beta: 0.2 }],
  ['IPO', { method: 'dpo', preference: { beta: 0.2, loss: 'ipo' } }, { rl: 'dpo', dpo_loss_type: ['ipo'] }],
  ['ORPO λ', { method: 'orpo', preference: { beta: 0.25, loss: 'sigmoid' } }, { rl: 'orpo', orpo_alpha: 0.25 }],
  ['hub id', {}, { base_model: 'HuggingFaceTB/SmolLM2-135M-Instruct' }],
  ['no hub id → placeholder', { modelId: null }, { base_model: 'REPLACE_WITH_HF_MODEL_ID' }],
  ['run id in output dir', { runId: 'run-abc' }, { output_dir: './outputs/run-abc' }],
  ['fixed', {}, { bf16: 'auto', val_set_size: 0, deepspeed: 'deepspeed/zero2.json' }],
];

describe('our settings → axolotl, one row per setting', () => {
  it.each(rows)('%s', (_, over, want) => {
    const kind: JobDataKind = over.method === 'dpo' || over.method === 'orpo' ? over.method : 'chat';
    expect(axolotlConfig(testSpec(over), kind, false).config).toMatchObject(want);
  });

  it('a plain run has no warnings; every lossy mapping is named', () => {
    expect(axolotlConfig(testSpec(), 'chat', false).warnings).toEqual([]);
    const lossy = axolotlConfig(
      testSpec({ quant: 'int4', modelId: null, train: { ...train, evalMaxExamples: 3, onNonFinite: 'retry-half-lr' } }),
      'chat',
      false,
    );
    expect(lossy.warnings.join('\n')).toMatch(/int4.*NF4/);
    expect(lossy.warnings.join('\n')).toMatch(/REPLACE_WITH_HF_MODEL_ID/);
    expect(lossy.warnings.join('\n')).toMatch(/evalMaxExamples 3/);
    expect(lossy.warnings.join('\n')).toMatch(/retry-half-lr/);
  });

  it('dataset entries: chat_template mapping, input_output, completion, DPO fields, and the eval file', () => {
    const chat = axolotlConfig(testSpec(), 'chat', true).config;
    expect(chat.datasets).toEqual([
      {
        path: 'data/train.jsonl',
        ds_type: 'json',
        type: 'chat_template',
        field_messages: 'messages',
        message_property_mappings: { role: 'role', content: 'content' },
        roles_to_train: ['assistant'],
        train_on_eos: 'turn',
      },
    ]);
    expect((chat.test_datasets as { path: string }[])[0].path).toBe('data/eval.jsonl');
    expect((axolotlConfig(testSpec(), 'segments', false).config.datasets as object[])[0]).toEqual({
      path: 'data/train.jsonl',
      ds_type: 'json',
      type: 'input_output',
    });
    expect((axolotlConfig(testSpec(), 'text', false).config.datasets as object[])[0]).toEqual({
      path: 'data/train.jsonl',
      ds_type: 'json',
      type: 'completion',
      field: 'text',
    });
    expect((axolotlConfig(testSpec({ method: 'dpo' }), 'dpo', false).config.datasets as object[])[0]).toEqual({
      path: 'data/train.jsonl',
      type: 'chat_template.default',
      field_messages: 'messages',
      field_chosen: 'chosen',
      field_rejected: 'rejected',
    });
    expect((axolotlConfig(testSpec({ method: 'orpo' }), 'orpo', false).config.datasets as object[])[0]).toEqual({
      path: 'data/train.jsonl',
      type: 'chat_template.argilla',
    });
  });
});
