/**
 * Hostile inputs for the commands added after the first audit (#13): `eval`, `export`, `export-job`. One row per
 * case (see src/test-utils/hostile.node.ts for what every row checks: exit code, key words, one line without a
 * stack, nothing written or left half-written in the temp folder).
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../formats/safetensors';
import { itRejectsEach, runHostile, type HostileCase } from '../test-utils/hostile.node.js';
import { modelFixtureDir, REPO_ROOT } from '../test-utils/model-fixtures.node.js';

const MODEL = modelFixtureDir('llama-tied'); // hidden 32: q_proj 32×32
const EVAL = path.join(REPO_ROOT, 'fixtures', 'eval');
const ADAPTER = path.join(EVAL, 'adapter-a');
const DATA = path.join(EVAL, 'data.jsonl');

/** A copy of the good adapter in `dir/name` with `edit` applied to its folder. */
function adapterCopy(dir: string, name: string, edit: (folder: string) => void = () => {}): string {
  const to = path.join(dir, name);
  cpSync(ADAPTER, to, { recursive: true });
  edit(to);
  return to;
}

/** A rank-4 q_proj adapter trained on a base with hidden size 64 (another base: shapes do not fit). */
function otherBaseAdapter(dir: string): string {
  const to = path.join(dir, 'other');
  mkdirSync(to);
  const config = {
    peft_type: 'LORA',
    r: 4,
    lora_alpha: 8,
    target_modules: ['q_proj'],
    base_model_name_or_path: 'org/bigger',
  };
  writeFileSync(path.join(to, 'adapter_config.json'), JSON.stringify(config));
  writeFileSync(
    path.join(to, 'adapter_model.safetensors'),
    encodeSafetensors([
      {
        name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight',
        dtype: 'F32',
        shape: [4, 64],
        data: new Float32Array(256),
      },
      {
        name: 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
        dtype: 'F32',
        shape: [64, 4],
        data: new Float32Array(256),
      },
    ]),
  );
  return to;
}

const evalCmd = (...extra: string[]) => ['eval', '--model', MODEL, '--backend', 'cpu', '--all', ...extra];
const exportCmd = (dir: string, format: string, ...extra: string[]) => [
  'export',
  '--model',
  MODEL,
  '--format',
  format,
  '--out',
  path.join(dir, format.includes('gguf') ? 'out.gguf' : 'out'),
  ...extra,
];
/** `export --format gguf-adapter` of the fixture adapter to exactly `out`. */
const ggufAdapterTo = (out: string) => [
  'export',
  '--model',
  MODEL,
  '--format',
  'gguf-adapter',
  '--adapter',
  ADAPTER,
  '--out',
  out,
];
const job = (dir: string, ...extra: string[]) => [
  'export-job',
  '--model',
  MODEL,
  '--data',
  DATA,
  '--out',
  path.join(dir, 'job'),
  '--steps',
  '2',
  ...extra,
];

const evalCases: HostileCase[] = [
  { name: 'eval: --data missing', setup: () => evalCmd('--adapter', ADAPTER), says: ['--data FILE is required'] },
  {
    name: 'eval: --data file not found',
    setup: (d) => evalCmd('--data', path.join(d, 'nope.jsonl')),
    says: ['nope.jsonl', 'not found'],
  },
  {
    name: 'eval: --data is a folder',
    setup: (d) => (mkdirSync(path.join(d, 'data.jsonl')), evalCmd('--data', path.join(d, 'data.jsonl'))),
    says: ['data.jsonl', 'not a file'],
  },
  {
    name: 'eval: --model missing',
    setup: (d) => ['eval', '--model', path.join(d, 'nope'), '--data', DATA],
    says: ['nope', 'not found'],
  },
  {
    name: 'eval: --adapter not found',
    setup: (d) => evalCmd('--data', DATA, '--adapter', path.join(d, 'nope')),
    says: ['adapter not found'],
  },
  {
    name: 'eval: --adapter is a file',
    setup: (d) => (
      writeFileSync(path.join(d, 'a.txt'), 'x'),
      evalCmd('--data', DATA, '--adapter', path.join(d, 'a.txt'))
    ),
    says: ['a.txt'],
  },
  {
    name: 'eval: corrupt adapter_config.json',
    setup: (d) =>
      evalCmd(
        '--data',
        DATA,
        '--adapter',
        adapterCopy(d, 'a', (f) => writeFileSync(path.join(f, 'adapter_config.json'), '{"r": 4,')),
      ),
    says: ['adapter_config.json', 'not valid JSON'],
  },
  {
    name: 'eval: adapter of another base (shape mismatch)',
    setup: (d) => evalCmd('--data', DATA, '--adapter', otherBaseAdapter(d)),
    says: ['q_proj', '64'],
  },
  {
    name: 'eval: adapter weight 1e999 (Infinity)',
    setup: () => evalCmd('--data', DATA, '--adapter', `${ADAPTER}:1e999`),
    says: ['--adapter', 'finite'],
  },
  {
    name: 'eval: --eval-split NaN',
    setup: () => ['eval', '--model', MODEL, '--backend', 'cpu', '--data', DATA, '--eval-split', 'NaN'],
    says: ['--eval-split', 'NaN'],
  },
  {
    name: 'eval: --eval-split 1e309',
    setup: () => ['eval', '--model', MODEL, '--backend', 'cpu', '--data', DATA, '--eval-split', '1e309'],
    says: ['--eval-split', '1e309'],
  },
  { name: 'eval: --seq-len NaN', setup: () => evalCmd('--data', DATA, '--seq-len', 'NaN'), says: ['--seq-len', 'NaN'] },
  { name: 'eval: --seq-len 1e12', setup: () => evalCmd('--data', DATA, '--seq-len', '1e12'), says: ['--seq-len'] },
  { name: 'eval: --batch 1e30', setup: () => evalCmd('--data', DATA, '--batch', '1e30'), says: ['--batch', '1e30'] },
  {
    name: 'eval: --predict 1e30',
    setup: () => evalCmd('--data', DATA, '--predict', '1e30'),
    says: ['--predict', '1e30'],
  },
  {
    name: 'eval: --max-new-tokens 1e12',
    setup: () => evalCmd('--data', DATA, '--predict', '1', '--max-new-tokens', '1e12'),
    says: ['--max-new-tokens'],
  },
  {
    name: 'eval: --backend bogus',
    setup: () => ['eval', '--model', MODEL, '--backend', 'bogus', '--all', '--data', DATA],
    says: ['--backend', 'bogus'],
  },
  { name: 'eval: --quant bogus', setup: () => evalCmd('--data', DATA, '--quant', 'bogus'), says: ['--quant', 'bogus'] },
  {
    name: 'eval: --dump-tokens is a folder',
    setup: (d) => (mkdirSync(path.join(d, 'dump')), evalCmd('--data', DATA, '--dump-tokens', path.join(d, 'dump'))),
    says: ['dump'],
  },
  {
    name: 'eval: --dump-tokens under a file',
    setup: (d) => (
      writeFileSync(path.join(d, 'f'), 'keep'),
      evalCmd('--data', DATA, '--dump-tokens', path.join(d, 'f', 'dump.jsonl'))
    ),
    says: ['dump.jsonl'],
  },
  {
    name: 'eval: --dump-tokens not left behind when a later input fails',
    setup: (d) =>
      evalCmd('--data', DATA, '--dump-tokens', path.join(d, 'dump.jsonl'), '--adapter', path.join(d, 'nope')),
    says: ['adapter not found'],
  },
];

const exportCases: HostileCase[] = [
  {
    name: 'export: --format missing',
    setup: (d) => ['export', '--model', MODEL, '--adapter', ADAPTER, '--out', path.join(d, 'out')],
    says: ['--format must be one of'],
  },
  {
    name: 'export: --format bogus',
    setup: (d) => exportCmd(d, 'onnx', '--adapter', ADAPTER),
    says: ['--format', 'onnx'],
  },
  {
    name: 'export: --dtype bogus',
    setup: (d) => exportCmd(d, 'peft', '--adapter', ADAPTER, '--dtype', 'f8'),
    says: ['--dtype', 'f8'],
  },
  {
    name: 'export: --dtype q4_0 for gguf-adapter',
    setup: (d) => exportCmd(d, 'gguf-adapter', '--adapter', ADAPTER, '--dtype', 'q4_0'),
    says: ['--dtype', 'q4_0'],
  },
  {
    name: 'export: --out missing',
    setup: () => ['export', '--model', MODEL, '--format', 'peft', '--adapter', ADAPTER],
    says: ['--out', 'required'],
  },
  { name: 'export: no --adapter for peft', setup: (d) => exportCmd(d, 'peft'), says: ['--adapter'] },
  {
    name: 'export: --model missing',
    setup: (d) => [
      'export',
      '--model',
      path.join(d, 'nope'),
      '--format',
      'peft',
      '--adapter',
      ADAPTER,
      '--out',
      path.join(d, 'out'),
    ],
    says: ['nope', 'not found'],
  },
  {
    name: 'export: --adapter not found',
    setup: (d) => exportCmd(d, 'peft', '--adapter', path.join(d, 'nope')),
    says: ['adapter not found'],
  },
  {
    name: 'export: corrupt adapter_config.json',
    setup: (d) =>
      exportCmd(
        d,
        'gguf-adapter',
        '--adapter',
        adapterCopy(d, 'a', (f) => writeFileSync(path.join(f, 'adapter_config.json'), 'null')),
      ),
    says: ['adapter_config.json'],
  },
  {
    name: 'export: adapter of another base (shape mismatch)',
    setup: (d) => exportCmd(d, 'merged', '--adapter', otherBaseAdapter(d)),
    says: ['q_proj', '64'],
  },
  {
    name: 'export: adapter weight 1e999 (Infinity)',
    setup: (d) => exportCmd(d, 'merged', '--adapter', `${ADAPTER}:1e999`),
    says: ['--adapter', 'finite'],
  },
  {
    name: 'export: peft --out is a file',
    setup: (d) => (writeFileSync(path.join(d, 'out'), 'keep'), exportCmd(d, 'peft', '--adapter', ADAPTER)),
    says: ['out', 'is a file'],
  },
  {
    name: 'export: merged --out is a file',
    setup: (d) => (writeFileSync(path.join(d, 'out'), 'keep'), exportCmd(d, 'merged', '--adapter', ADAPTER)),
    says: ['out', 'is a file'],
  },
  {
    name: 'export: gguf-adapter --out is a folder',
    setup: (d) => (mkdirSync(path.join(d, 'out.gguf')), exportCmd(d, 'gguf-adapter', '--adapter', ADAPTER)),
    says: ['out.gguf', 'folder'],
  },
  {
    name: 'export: --out under a file (unwritable)',
    setup: (d) => (writeFileSync(path.join(d, 'f'), 'keep'), ggufAdapterTo(path.join(d, 'f', 'a.gguf'))),
    says: ['a.gguf'],
  },
  {
    name: 'export: merged --out under a file (unwritable)',
    setup: (d) => (
      writeFileSync(path.join(d, 'f'), 'keep'),
      ['export', '--model', MODEL, '--format', 'merged', '--adapter', ADAPTER, '--out', path.join(d, 'f', 'out')]
    ),
    says: ['ENOTDIR', 'out'],
  },
  {
    name: 'export: newline in the --out name (would inject a Modelfile line)',
    setup: (d) => ggufAdapterTo(path.join(d, 'a\nSYSTEM evil.gguf')),
    says: ['--out', 'control character'],
  },
];

const jobCases: HostileCase[] = [
  {
    name: 'export-job: --out missing',
    setup: () => ['export-job', '--model', MODEL, '--data', DATA],
    says: ['--out DIR is required'],
  },
  {
    name: 'export-job: --out is a file',
    setup: (d) => (writeFileSync(path.join(d, 'job'), 'keep'), job(d)),
    says: ['is a file'],
  },
  {
    name: 'export-job: --out is a non-job folder',
    setup: (d) => (mkdirSync(path.join(d, 'job')), writeFileSync(path.join(d, 'job', 'x'), '1'), job(d)),
    says: ['not a job folder'],
  },
  {
    name: 'export-job: --out under a file',
    setup: (d) => (writeFileSync(path.join(d, 'f'), 'keep'), [...job(d), '--out', path.join(d, 'f', 'job')]),
    says: ['job'],
  },
  {
    name: 'export-job: --zip target is a folder (no half job left)',
    setup: (d) => (mkdirSync(path.join(d, 'job.zip')), job(d, '--zip')),
    says: ['job.zip', 'is a folder'],
  },
  {
    name: 'export-job: newline in --out',
    setup: (d) => job(d, '--out', path.join(d, 'a\nb')),
    says: ['control character'],
  },
  {
    name: 'export-job: --model and --model-id',
    setup: (d) => job(d, '--model-id', 'Qwen/Qwen2.5-0.5B'),
    says: ['not both'],
  },
  {
    name: 'export-job: --model-id with path tricks',
    setup: (d) => ['export-job', '--model-id', '../../etc/passwd', '--data', DATA, '--out', path.join(d, 'job')],
    says: ['--model-id'],
  },
  { name: 'export-job: --run-id with path tricks', setup: (d) => job(d, '--run-id', '../evil'), says: ['--run-id'] },
  {
    name: 'export-job: --data not found',
    setup: (d) => ['export-job', '--model', MODEL, '--data', path.join(d, 'nope.jsonl'), '--out', path.join(d, 'job')],
    says: ['nope.jsonl', 'not found'],
  },
  {
    name: 'export-job: --data is a folder',
    setup: (d) => (
      mkdirSync(path.join(d, 'x.jsonl')),
      ['export-job', '--model', MODEL, '--data', path.join(d, 'x.jsonl'), '--out', path.join(d, 'job')]
    ),
    says: ['x.jsonl', 'not a file'],
  },
  { name: 'export-job: --method bogus', setup: (d) => job(d, '--method', 'ppo'), says: ['--method', 'ppo'] },
  { name: 'export-job: --loss bogus', setup: (d) => job(d, '--loss', 'hinge'), says: ['--loss', 'hinge'] },
  { name: 'export-job: --beta NaN', setup: (d) => job(d, '--beta', 'NaN'), says: ['--beta', 'NaN'] },
  {
    name: 'export-job: --lora-plus-ratio 1e999',
    setup: (d) => job(d, '--lora-plus-ratio', '1e999'),
    says: ['--lora-plus-ratio'],
  },
  { name: 'export-job: --lr NaN', setup: (d) => job(d, '--lr', 'NaN'), says: ['lr', 'NaN'] },
  { name: 'export-job: --steps 1e30', setup: (d) => job(d, '--steps', '1e30'), says: ['steps'] },
  { name: 'export-job: --rank 1e30', setup: (d) => job(d, '--rank', '1e30'), says: ['rank'] },
  { name: 'export-job: --quant bogus', setup: (d) => job(d, '--quant', 'int3'), says: ['--quant', 'int3'] },
];

describe('hostile inputs: eval', () => {
  itRejectsEach(evalCases);

  it('an adapter weighted 1e30 scores non-finite, printed as "NaN"/"Infinity" strings, never null', async () => {
    await runHostile(
      { name: 'huge weight', setup: () => evalCmd('--data', DATA, '--adapter', `${ADAPTER}:1e30`), says: [] },
      (r) => {
        expect(r.code, r.err).toBe(0);
        const lines = r.out
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(lines.map((l) => l.variant)).toHaveLength(2);
        expect(typeof lines[0].loss).toBe('number'); // the base is finite
        expect(['NaN', 'Infinity']).toContain(lines[1].loss);
        expect(r.out).not.toContain('null');
      },
    );
  });
});

describe('hostile inputs: export', () => {
  itRejectsEach(exportCases);
});

describe('hostile inputs: export-job', () => {
  itRejectsEach(jobCases);
});
