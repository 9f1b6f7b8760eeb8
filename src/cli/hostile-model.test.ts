/**
 * Hostile inputs around the base model (#13): config.json, safetensors, context length, non-finite numbers.
 * One row per case; each row builds its inputs, runs the CLI in-process and checks message, exit code and that
 * nothing was written (see src/test-utils/hostile.node.ts).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'vitest';
import { copyFixture, editJson, itRejectsEach, type HostileCase } from '../test-utils/hostile.node.js';

/** A model folder whose config.json got `patch`. */
function withConfig(dir: string, patch: Record<string, unknown>): string {
  const m = copyFixture(dir);
  editJson(path.join(m, 'config.json'), (j) => Object.assign(j, patch));
  return m;
}

/** Header JSON of a safetensors file and the byte offset where its data starts. */
function readHeader(file: string): {
  header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  dataStart: number;
  bytes: Buffer;
} {
  const bytes = readFileSync(file);
  const len = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + len).toString('utf8')), dataStart: 8 + len, bytes };
}

/** Rewrites a safetensors file with an edited header (data bytes kept as they are). */
function rewriteHeader(
  file: string,
  edit: (h: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void,
  extraData = 0,
): void {
  const { header, dataStart, bytes } = readHeader(file);
  edit(header);
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([len, json, bytes.subarray(dataStart), Buffer.alloc(extraData)]));
}

/** Overwrites tensor `name`'s f32 values in place. */
function fillTensor(file: string, name: string, value: number): void {
  const { header, dataStart, bytes } = readHeader(file);
  const [b, e] = header[name].data_offsets;
  for (let o = dataStart + b; o < dataStart + e; o += 4) bytes.writeFloatLE(value, o);
  writeFileSync(file, bytes);
}

const score = (m: string, ids = '1,7,9,10') => ['score', '--model', m, '--ids', ids, '--backend', 'cpu'];
const st = (m: string) => path.join(m, 'model.safetensors');
/** Scores a copy of the fixture model after `edit` changed its folder `m`. */
const scoreEdited = (d: string, edit: (m: string) => void) => {
  const m = copyFixture(d);
  edit(m);
  return score(m);
};

const cases: HostileCase[] = [
  // config.json: numbers out of range would print NaN log-probs
  {
    name: 'negative rms_norm_eps',
    setup: (d) => score(withConfig(d, { rms_norm_eps: -1e-5 })),
    says: ['rms_norm_eps', '> 0'],
  },
  { name: 'zero rms_norm_eps', setup: (d) => score(withConfig(d, { rms_norm_eps: 0 })), says: ['rms_norm_eps'] },
  {
    name: 'negative rope_theta',
    setup: (d) => score(withConfig(d, { rope_theta: -10000 })),
    says: ['rope_theta', '> 0'],
  },
  {
    name: 'rope_theta as a string',
    setup: (d) => score(withConfig(d, { rope_theta: '1e4' })),
    says: ['rope_theta', 'not a number'],
  },
  {
    name: 'linear rope factor 0',
    setup: (d) => score(withConfig(d, { rope_scaling: { type: 'linear', factor: 0 } })),
    says: ['rope_scaling', 'factor'],
  },
  {
    name: 'llama3 rope high ≤ low freq factor',
    setup: (d) =>
      score(
        withConfig(d, {
          rope_scaling: {
            rope_type: 'llama3',
            factor: 8,
            low_freq_factor: 4,
            high_freq_factor: 1,
            original_max_position_embeddings: 128,
          },
        }),
      ),
    says: ['high_freq_factor', 'low_freq_factor'],
  },
  {
    name: '1e9 layers fails fast, before any tensor list',
    setup: (d) => score(withConfig(d, { num_hidden_layers: 1e9 })),
    says: ['num_hidden_layers', '1000000000'],
  },
  {
    name: 'layer count disagrees with the checkpoint',
    setup: (d) => score(withConfig(d, { num_hidden_layers: 3 })),
    says: ['num_hidden_layers 3', 'checkpoint has 2 layers'],
  },
  {
    name: 'vocab_size disagrees with the embedding',
    setup: (d) => score(withConfig(d, { vocab_size: 1e9 })),
    says: ['vocab_size', '1000000000', '256'],
  },
  {
    name: 'config.json not valid JSON',
    setup: (d) => scoreEdited(d, (m) => writeFileSync(path.join(m, 'config.json'), '{"model_type": "llama",')),
    says: ['config.json', 'not valid JSON'],
  },
  {
    name: 'config.json is a folder',
    setup: (d) =>
      scoreEdited(d, (m) => {
        rmSync(path.join(m, 'config.json'));
        mkdirSync(path.join(m, 'config.json'));
      }),
    says: ['config.json'],
  },
  {
    name: 'model folder is a file',
    setup: (d) => score(path.join(copyFixture(d), 'config.json')),
    says: ['not a folder'],
  },
  { name: 'missing model folder', setup: (d) => score(path.join(d, 'nope')), says: ['model folder not found'] },
  // weights
  {
    name: 'NaN weights',
    setup: (d) => scoreEdited(d, (m) => fillTensor(st(m), 'model.norm.weight', NaN)),
    says: ['model.norm.weight', 'NaN'],
  },
  {
    name: 'Infinity weights',
    setup: (d) => scoreEdited(d, (m) => fillTensor(st(m), 'model.layers.1.mlp.down_proj.weight', Infinity)),
    says: ['down_proj', 'Infinity'],
  },
  {
    name: 'finite weights that overflow give no null log-probs',
    setup: (d) => scoreEdited(d, (m) => fillTensor(st(m), 'model.norm.weight', 3e38)),
    says: ['non-finite'],
  },
  // safetensors structure
  {
    name: 'overlapping data_offsets',
    setup: (d) =>
      scoreEdited(d, (m) => {
        rewriteHeader(st(m), (h) => {
          // the last-stored of the two moves onto the first one's bytes
          h['model.norm.weight'].data_offsets = [...h['model.layers.0.input_layernorm.weight'].data_offsets];
        });
      }),
    says: ['model.safetensors', 'overlap'],
  },
  {
    name: 'a hole after the last tensor',
    setup: (d) => scoreEdited(d, (m) => rewriteHeader(st(m), () => undefined, 64)),
    says: ['model.safetensors', '64 bytes', 'not covered'],
  },
  {
    name: '64-bit header length is read exactly',
    setup: (d) =>
      scoreEdited(d, (m) => {
        const bytes = readFileSync(st(m));
        bytes.writeBigUInt64LE(2n ** 63n + 1n, 0);
        writeFileSync(st(m), bytes);
      }),
    says: ['9223372036854775809'],
  },
  {
    name: 'shard index naming a path outside the folder',
    setup: (d) => {
      const m = copyFixture(d, 'llama-sharded');
      editJson(path.join(m, 'model.safetensors.index.json'), (j) => {
        const map = j.weight_map as Record<string, string>;
        for (const k of Object.keys(map)) map[k] = '../' + map[k];
      });
      return score(m);
    },
    says: ['model.safetensors.index.json', 'plain file name'],
  },
  // context length
  {
    name: 'score beyond max_position_embeddings',
    setup: (d) => score(copyFixture(d), Array.from({ length: 300 }, () => 7).join(',')),
    says: ['300 tokens', "the model's context is 256"],
  },
  {
    name: 'score far beyond the context (no RangeError)',
    setup: (d) => score(copyFixture(d), Array.from({ length: 100_000 }, () => 7).join(',')),
    says: ['100000 tokens', "the model's context is 256"],
  },
  // families around them: truncation, wrong types, encodings
  {
    name: 'safetensors cut in half',
    setup: (d) =>
      scoreEdited(d, (m) => {
        const b = readFileSync(st(m));
        writeFileSync(st(m), b.subarray(0, b.length >> 1));
      }),
    says: ['model.safetensors', 'truncated'],
  },
  {
    name: 'safetensors header not JSON',
    setup: (d) =>
      scoreEdited(d, (m) => {
        const b = readFileSync(st(m));
        b[8] = 0x21;
        writeFileSync(st(m), b);
      }),
    says: ['model.safetensors', 'header is not valid JSON'],
  },
  {
    name: 'safetensors of 3 bytes',
    setup: (d) => scoreEdited(d, (m) => writeFileSync(st(m), 'abc')),
    says: ['model.safetensors', 'too small'],
  },
  {
    name: 'hidden_size as a string',
    setup: (d) => score(withConfig(d, { hidden_size: '32' })),
    says: ['hidden_size', 'not a number'],
  },
  {
    name: 'config.json is an array',
    setup: (d) => scoreEdited(d, (m) => writeFileSync(path.join(m, 'config.json'), '[1]')),
    says: ['config.json', 'not a JSON object'],
  },
  {
    name: 'config.json in UTF-16',
    setup: (d) =>
      scoreEdited(d, (m) => {
        const t = readFileSync(path.join(m, 'config.json'), 'utf8');
        writeFileSync(
          path.join(m, 'config.json'),
          Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')]),
        );
      }),
    says: ['config.json', 'not valid JSON'],
  },
  {
    name: 'tokenizer.json truncated (score --text)',
    setup: (d) => {
      const m = copyFixture(d);
      const t = readFileSync(path.join(m, 'tokenizer.json'));
      writeFileSync(path.join(m, 'tokenizer.json'), t.subarray(0, 100));
      return ['score', '--model', m, '--text', 'hi'];
    },
    says: ['tokenizer.json'],
  },
  { name: '--ids with a huge number', setup: (d) => score(copyFixture(d), '1,1e400'), says: ['--ids must be'] },
  { name: '--ids with a negative id', setup: (d) => score(copyFixture(d), '1,-3'), says: ['--ids must be'] },
  { name: '--ids beyond the vocabulary', setup: (d) => score(copyFixture(d), '1,256'), says: ['256', 'vocabulary'] },
  // warnings
  {
    name: 'architectures disagree with model_type (warning)',
    setup: (d) => ['inspect', '--model', withConfig(d, { architectures: ['Qwen2ForCausalLM'] })],
    says: ['warning', 'Qwen2ForCausalLM', 'llama'],
    code: 0,
  },
  {
    name: 'inspect checks the config against present weights',
    setup: (d) => [
      'inspect',
      '--model',
      withConfig(d, {
        num_hidden_layers: 48,
        hidden_size: 4096,
        intermediate_size: 11008,
        num_attention_heads: 32,
        num_key_value_heads: 32,
      }),
    ],
    says: ['config.json', 'checkpoint'],
  },
];

describe('hostile inputs: base model', () => {
  itRejectsEach(cases);
});
