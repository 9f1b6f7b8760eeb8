/**
 * Hostile inputs around LoRA adapters (#13): adapter_config.json numbers and patterns, zip bombs, merge flags.
 * One row per case (see src/test-utils/hostile.node.ts for what every row checks).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { encodeSafetensors } from '../formats/safetensors';
import { zipFolder } from '../formats/zip';
import { expectHostile, itRejectsEach, type HostileCase } from '../test-utils/hostile.node.js';
import { modelFixtureDir } from '../test-utils/model-fixtures.node.js';

const MODEL = modelFixtureDir('llama-tied'); // hidden 32, 4 heads × 8, 2 KV heads: q_proj 32×32, v_proj 16×32

/** The two files of a rank-4 q_proj/v_proj adapter on layer 0, with `patch` applied to its config. */
function adapterFiles(patch: Record<string, unknown> = {}, rank = 4): Record<string, Uint8Array | string> {
  const mod = (name: string, out: number) => [
    {
      name: `base_model.model.model.layers.0.self_attn.${name}.lora_A.weight`,
      dtype: 'F32' as const,
      shape: [rank, 32],
      data: new Float32Array(rank * 32).fill(0.01),
    },
    {
      name: `base_model.model.model.layers.0.self_attn.${name}.lora_B.weight`,
      dtype: 'F32' as const,
      shape: [out, rank],
      data: new Float32Array(out * rank).fill(0.01),
    },
  ];
  const config = {
    peft_type: 'LORA',
    r: rank,
    lora_alpha: 8,
    target_modules: ['q_proj', 'v_proj'],
    base_model_name_or_path: 'tiny',
    ...patch,
  };
  return {
    'adapter_config.json': JSON.stringify(config),
    'adapter_model.safetensors': encodeSafetensors([...mod('q_proj', 32), ...mod('v_proj', 16)]),
  };
}

/** Writes an adapter folder `dir/name` and returns its path. */
function writeAdapter(dir: string, name: string, patch: Record<string, unknown> = {}, rank = 4): string {
  const to = path.join(dir, name);
  mkdirSync(to, { recursive: true });
  for (const [f, v] of Object.entries(adapterFiles(patch, rank))) writeFileSync(path.join(to, f), v);
  return to;
}

const score = (...adapters: string[]) => [
  'score',
  '--model',
  MODEL,
  '--ids',
  '1,7,9,10',
  '--backend',
  'cpu',
  ...adapters.flatMap((a) => ['--adapter', a]),
];
const merge = (dir: string, extra: string[], ...adapters: string[]) => [
  'merge',
  '--model',
  MODEL,
  '--out',
  path.join(dir, 'merged'),
  ...extra,
  ...adapters.flatMap((a) => ['--adapter', a]),
];

const cases: HostileCase[] = [
  {
    name: 'lora_alpha 1e30 (NaN log-probs before)',
    setup: (d) => score(writeAdapter(d, 'a', { lora_alpha: 1e30 })),
    says: ['lora_alpha', '1e+30'],
  },
  {
    name: 'lora_alpha NaN-ish string',
    setup: (d) => score(writeAdapter(d, 'a', { lora_alpha: 'sixteen' })),
    says: ['lora_alpha must be a number'],
  },
  {
    name: 'negative lora_alpha',
    setup: (d) => score(writeAdapter(d, 'a', { lora_alpha: -8 })),
    says: ['lora_alpha', '-8'],
  },
  {
    name: 'alpha_pattern value 1e30',
    setup: (d) => score(writeAdapter(d, 'a', { alpha_pattern: { q_proj: 1e30 } })),
    says: ['alpha_pattern.q_proj'],
  },
  {
    name: 'rank_pattern value 0.5',
    setup: (d) => score(writeAdapter(d, 'a', { rank_pattern: { q_proj: 0.5 } })),
    says: ['rank_pattern.q_proj', 'positive integer'],
  },
  {
    name: 'rank_pattern key too long',
    setup: (d) => score(writeAdapter(d, 'a', { rank_pattern: { ['a'.repeat(600)]: 4 } })),
    says: ['pattern key', '600 characters'],
  },
  {
    name: 'rank_pattern key with unsupported syntax',
    setup: (d) => score(writeAdapter(d, 'a', { rank_pattern: { '(?=q)': 4 } })),
    says: ['pattern key', '(?:…)'],
  },
  {
    name: 'target_modules match none of the weights',
    setup: (d) => score(writeAdapter(d, 'a', { target_modules: ['o_proj', 'down_proj'] })),
    says: ['target_modules', 'match none', 'q_proj'],
  },
  {
    name: 'adapter_config.json not valid JSON',
    setup: (d) => {
      const a = writeAdapter(d, 'a');
      writeFileSync(path.join(a, 'adapter_config.json'), '{"r": 4,');
      return score(a);
    },
    says: ['adapter_config.json', 'not valid JSON'],
  },
  { name: 'adapter path missing', setup: (d) => score(path.join(d, 'nope')), says: ['adapter not found'] },
  {
    name: 'zip bomb: 8 MiB of zeros packed ~1000×',
    setup: (d) => {
      const files = adapterFiles();
      const zip = zipSync({
        'adapter_config.json': [new TextEncoder().encode(files['adapter_config.json'] as string), { level: 0 }],
        'adapter_model.safetensors': [new Uint8Array(8 << 20), { level: 6 }],
      });
      writeFileSync(path.join(d, 'bomb.zip'), zip);
      return score(path.join(d, 'bomb.zip'));
    },
    says: ['bomb.zip', 'zip bomb'],
  },
  {
    name: 'zip with thousands of entries',
    setup: (d) => {
      const many: Record<string, string> = {};
      for (let i = 0; i < 3000; i++) many[`f${i}.txt`] = '';
      writeFileSync(path.join(d, 'many.zip'), zipFolder({ ...adapterFiles(), ...many }));
      return score(path.join(d, 'many.zip'));
    },
    says: ['many.zip', 'more than 256 entries'],
  },
  {
    name: 'merge: svd rank 100000',
    setup: (d) => merge(d, ['--method', 'svd', '--rank', '100000'], writeAdapter(d, 'a')),
    says: ['--rank 100000', 'larger than', 'rank ≤'],
  },
  {
    name: 'merge: --out is a file',
    setup: (d) => {
      writeFileSync(path.join(d, 'merged'), 'keep');
      return merge(d, [], writeAdapter(d, 'a'));
    },
    says: ['is a file'],
  },
  {
    name: 'merge: --out exists and is not empty',
    setup: (d) => {
      mkdirSync(path.join(d, 'merged'));
      writeFileSync(path.join(d, 'merged', 'adapter_config.json'), '{}');
      return merge(d, [], writeAdapter(d, 'a'));
    },
    says: ['already exists'],
  },
  {
    name: 'merge: adapters of different bases warn (and no tfjs banner)',
    setup: (d) =>
      merge(
        d,
        [],
        writeAdapter(d, 'a', { base_model_name_or_path: 'org/base-1' }),
        writeAdapter(d, 'b', { base_model_name_or_path: 'org/base-2' }),
      ),
    says: ['warning', 'different base models', 'org/base-1', 'org/base-2'],
    never: ['Hi, looks like you are running TensorFlow.js'],
    code: 0,
    mayWrite: ['merged'],
  },
];

describe('hostile inputs: adapters', () => {
  itRejectsEach(cases);

  it('a catastrophic-backtracking rank_pattern key scores in bounded time (PEFT semantics, no match)', async () => {
    const t0 = performance.now();
    await expectHostile({
      name: 'backtracking key',
      setup: (d) => score(writeAdapter(d, 'a', { rank_pattern: { ['(.+)+X']: 2 } })),
      says: [],
      code: 0,
    });
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
