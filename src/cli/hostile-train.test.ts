/**
 * Hostile inputs around training and data (#13): flags, tokenizer vs model, --out, divergence, corrupt
 * checkpoints, dataset paths. One row per case (see src/test-utils/hostile.node.ts for what every row checks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'fflate';
import { encodeSafetensors } from '../formats/safetensors';
import { copyFixture, editJson, expectHostile, itRejectsEach, type HostileCase } from '../test-utils/hostile.node.js';
import { modelFixtureDir } from '../test-utils/model-fixtures.node.js';

const MODEL = modelFixtureDir('llama-tied');

/** 12 prompt/completion rows in `dir/data.jsonl`. */
function dataset(dir: string): string {
  const file = path.join(dir, 'data.jsonl');
  const rows = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({ prompt: 'hi '.repeat((i % 3) + 1), completion: 'there '.repeat((i % 4) + 1) }),
  );
  writeFileSync(file, rows.join('\n') + '\n');
  return file;
}

const train = (dir: string, ...extra: string[]) => [
  'train',
  '--model',
  MODEL,
  '--data',
  dataset(dir),
  '--out',
  path.join(dir, 'out'),
  '--steps',
  '1',
  ...extra,
];

/** A checkpoint file for run 'run' under `dir/out` whose metadata is `meta` (or raw text). */
function checkpoint(dir: string, meta: unknown, adamV = 0): string {
  const folder = path.join(dir, 'out', 'checkpoints', 'run');
  mkdirSync(folder, { recursive: true });
  const t = (name: string, v: number) => ({ name, dtype: 'F32' as const, shape: [2], data: [v, v] });
  const bytes = encodeSafetensors([t('param/x', 0), t('adam_m/x', 0), t('adam_v/x', adamV)], {
    format: 'lora-studio-checkpoint',
    checkpoint: typeof meta === 'string' ? meta : JSON.stringify(meta),
  });
  writeFileSync(path.join(folder, 'checkpoint.safetensors'), bytes);
  return folder;
}

const goodMeta = {
  version: 1,
  step: 1,
  adamStep: 1,
  names: ['x'],
  rng: [1, 2, 3, 4],
  data: { epoch: 0, cursor: 1, order: [1, 0], rng: [1, 2, 3, 4] },
  metrics: [{ step: 1, loss: 2 }],
  lrScale: 1,
  elapsedMs: 5,
  config: {},
};

const cases: HostileCase[] = [
  {
    name: '--seq-len above the context',
    setup: (d) => train(d, '--seq-len', '1000'),
    says: ['--seq-len 1000', "model's context (256 tokens"],
  },
  {
    name: 'tokenizer produces ids ≥ vocab_size',
    setup: (d) => {
      const m = copyFixture(d);
      editJson(path.join(m, 'tokenizer.json'), (j) => {
        (j.model as { vocab: Record<string, number> }).vocab['▁hi'] = 270;
      });
      return ['train', '--model', m, '--data', dataset(d), '--out', path.join(d, 'out'), '--steps', '1'];
    },
    says: ['tokenizer.json produces id 270', 'vocab_size is 256'],
  },
  {
    name: '--rank 100000',
    setup: (d) => train(d, '--rank', '100000'),
    says: ['--rank 100000', 'larger than', 'rank ≤'],
  },
  { name: '--alpha 1e30', setup: (d) => train(d, '--alpha', '1e30'), says: ['alpha', '1e+30'] },
  {
    name: '--out is a file',
    setup: (d) => {
      writeFileSync(path.join(d, 'out'), 'keep');
      return train(d);
    },
    says: ['--out', 'is a file'],
  },
  {
    name: '--out under a file',
    setup: (d) => {
      writeFileSync(path.join(d, 'f'), 'keep');
      return [...train(d), '--out', path.join(d, 'f', 'out')];
    },
    says: ['not writable', 'ENOTDIR'],
  },
  {
    name: 'dataset file missing',
    setup: (d) => ['train', '--model', MODEL, '--data', path.join(d, 'nope.jsonl'), '--out', path.join(d, 'out')],
    says: ['nope.jsonl', 'not found'],
  },
  {
    name: 'dataset is a folder',
    setup: (d) => {
      mkdirSync(path.join(d, 'data.jsonl'));
      return ['train', '--model', MODEL, '--data', path.join(d, 'data.jsonl'), '--out', path.join(d, 'out')];
    },
    says: ['data.jsonl', 'not a file'],
  },
  {
    name: 'data check: bad tokenizer path',
    setup: (d) => ['data', 'check', dataset(d), '--model', path.join(d, 'nope')],
    says: ['nope', 'not found'],
  },
  {
    name: 'resume: checkpoint metadata not JSON',
    setup: (d) => (checkpoint(d, '{"version": 1,'), [...train(d), '--resume']),
    says: ['checkpoint.safetensors', 'not valid JSON'],
    never: ['checkpoint.safetensors/checkpoint.safetensors'],
  },
  {
    name: 'resume: rng of the wrong length',
    setup: (d) => (checkpoint(d, { ...goodMeta, rng: [1, 2] }), [...train(d), '--resume']),
    says: ['checkpoint.safetensors', '"rng"', '4 unsigned'],
  },
  {
    name: 'resume: data.order not a permutation',
    setup: (d) => (
      checkpoint(d, { ...goodMeta, data: { ...goodMeta.data, order: [0, 0] } }),
      [...train(d), '--resume']
    ),
    says: ['"data.order"', 'permutation'],
  },
  {
    name: 'resume: names not a list',
    setup: (d) => (checkpoint(d, { ...goodMeta, names: 'x' }), [...train(d), '--resume']),
    says: ['"names"'],
  },
  {
    name: 'resume: metrics missing',
    setup: (d) => (checkpoint(d, { ...goodMeta, metrics: undefined }), [...train(d), '--resume']),
    says: ['"metrics"'],
  },
  {
    name: 'resume: negative Adam second moment',
    setup: (d) => (checkpoint(d, goodMeta, -1), [...train(d), '--resume']),
    says: ['adam_v/x', '-1'],
  },
  {
    name: 'resume: NaN Adam moment',
    setup: (d) => (checkpoint(d, goodMeta, NaN), [...train(d), '--resume']),
    says: ['adam_v/x', 'NaN'],
  },
  {
    name: 'dataset in UTF-16',
    setup: (d) => {
      const file = path.join(d, 'utf16.jsonl');
      writeFileSync(
        file,
        Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"prompt":"hi","completion":"there"}\n', 'utf16le')]),
      );
      return ['data', 'check', file];
    },
    says: ['utf16.jsonl', 'UTF-16', 'save it as UTF-8'],
    problemReport: true,
  },
  {
    name: 'gzip bomb dataset is streamed, not inflated whole',
    setup: (d) => {
      const file = path.join(d, 'bomb.jsonl.gz');
      writeFileSync(file, gzipSync(new Uint8Array(16 << 20), { level: 9 }));
      return ['data', 'check', file];
    },
    says: ['bomb.jsonl', 'binary file'],
    problemReport: true,
  },
  {
    name: '--batch 1e9 is capped at the dataset size',
    setup: (d) => train(d, '--batch', '1e9'),
    says: ['--batch 1000000000', 'training examples; using 12'],
    code: 0,
    mayWrite: ['out'],
  },
];

describe('hostile inputs: training and data', () => {
  itRejectsEach(cases);

  it('a 10 MB text field is cut to a character budget before tokenizing (bounded time)', async () => {
    const t0 = performance.now();
    const r = await expectHostile({
      name: '10 MB field',
      setup: (d) => {
        const file = path.join(d, 'big.jsonl');
        writeFileSync(file, JSON.stringify({ prompt: 'hi', completion: 'there '.repeat((10 * 2 ** 20) / 6) }) + '\n');
        return ['data', 'check', file, '--model', MODEL, '--seq-len', '64', '--json'];
      },
      says: [],
      code: 0,
    });
    expect(performance.now() - t0).toBeLessThan(20_000);
    expect(JSON.parse(r.out).stats).toMatchObject({ truncated: 1 });
  });

  it('--lr 1e30 diverges, writes nothing and prints the rollback message once', async () => {
    const r = await expectHostile({
      name: 'lr 1e30',
      setup: (d) => train(d, '--lr', '1e30', '--steps', '3'),
      says: ['diverged', 'no adapter was written'],
      stdoutOk: true,
    });
    expect(r.err.match(/rolled back/g)).toHaveLength(1);
  });
});
