import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../backend/node';
import { generate } from '../../generate/generate';
import { loadModel } from '../../model/load';
import { folderFiles, modelFixtureDir } from '../../test-utils/model-fixtures.node.js';
import { runCommand } from '../../test-utils/run-cli';
import { byteLevelTokenizerJson } from '../../tokenizer/byte-vocab';
import { loadTokenizer } from '../../tokenizer/load';
import { parseFlags } from '../command';
import { generateCommand, parseAdapterFlags, templateVariables, unescapeStop } from './generate';

let dir = '';

beforeAll(async () => {
  await initNodeBackend('wasm');
  // The qwen3 fixture plus a byte-level tokenizer (its vocabulary is 256) and a tiny chat template.
  dir = mkdtempSync(path.join(tmpdir(), 'generate-cli-'));
  for (const f of ['config.json', 'model.safetensors'])
    copyFileSync(path.join(modelFixtureDir('qwen3'), f), path.join(dir, f));
  writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(byteLevelTokenizerJson()));
  writeFileSync(
    path.join(dir, 'tokenizer_config.json'),
    JSON.stringify({
      chat_template:
        '{% for m in messages %}<{{ m.role }}>{{ m.content }}\n{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}',
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, out, err } = await runCommand(generateCommand, args);
  return { code, stdout: out, stderr: err };
}

describe('cli generate', () => {
  it('streams the same text generate() returns, for f32 and chat', async () => {
    const files = folderFiles(dir);
    const model = await loadModel(files);
    const tokenizer = await loadTokenizer(files);
    const plain = await generate(model, tokenizer, { prompt: 'Hello', maxNewTokens: 10 });
    const chat = await generate(model, tokenizer, {
      messages: [{ role: 'user', content: 'Hello' }],
      maxNewTokens: 10,
      temperature: 0.9,
      seed: 5,
    });
    model.dispose();
    const a = await runCli(['--model', dir, '--quant', 'f32', '--prompt', 'Hello', '--max-new-tokens', '10']);
    expect(a).toMatchObject({ code: 0, stdout: plain.text + '\n' });
    const b = await runCli([
      '--model',
      dir,
      '--quant',
      'f32',
      '--prompt',
      'Hello',
      '--chat',
      '--max-new-tokens',
      '10',
      '--temperature',
      '0.9',
      '--seed',
      '5',
      '--stats',
    ]);
    expect(b.stdout).toBe(chat.text + '\n');
    expect(b.stderr).toMatch(/prompt 23 tokens.*10 new tokens.*finish: length; seed 5/);
  });

  it('runs on the default int4 base', async () => {
    const r = await runCli([
      '--model',
      dir,
      '--prompt',
      'Hi',
      '--max-new-tokens',
      '4',
      '--group-size',
      '32',
      '--stats',
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/4 new tokens/);
    // --stats ends with the measured peak (wasm heap high-water) against the base + KV-cache estimate.
    const memory = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as Record<string, number | string | null>;
    expect(memory).toMatchObject({ memory: true, backend: 'wasm' });
    expect(memory.peakBytes).toBe(memory.wasmHeapBytes);
    expect(memory.tensorPeakBytes as number).toBeGreaterThan(0);
    expect(memory.estimateBytes as number).toBeGreaterThan(0);
  });

  it('rejects bad flags with clear messages', async () => {
    await expect(runCli(['--model', dir])).rejects.toThrow('--prompt STR is required');
    await expect(runCli(['--model', dir, '--prompt', 'x', '--top-p', '3'])).rejects.toThrow(
      "--top-p must be in (0, 1]; got '3'",
    );
    await expect(runCli(['--model', dir, '--prompt', 'x', '--max-new-tokens', '0'])).rejects.toThrow(
      /--max-new-tokens must be an integer/,
    );
    await expect(runCli(['--model', dir, '--prompt', 'x', '--quant', 'int3'])).rejects.toThrow(
      /--quant must be one of/,
    );
    await expect(runCli(['--model', dir, '--prompt', 'x', '--adapter', 'a/b:0.5'])).rejects.toThrow(
      /a\/b: adapter not found/,
    );
    await expect(runCli(['--model', modelFixtureDir('qwen3'), '--prompt', 'x'])).rejects.toThrow(
      /tokenizer\.json is missing/,
    );
  });

  it('unescapes \\n and \\t in --stop', () => {
    expect(unescapeStop('\\n\\nUser:')).toBe('\n\nUser:');
    expect(unescapeStop('a\\tb\\\\n')).toBe('a\tb\\n');
    expect(unescapeStop('plain')).toBe('plain');
  });

  it('parses --template-var NAME=VALUE as JSON or string', () => {
    const { flags } = parseFlags([
      '--template-var',
      'enable_thinking=false',
      '--template-var',
      'name=Ada',
      '--template-var',
      'n=3',
    ]);
    expect(templateVariables(flags)).toEqual({ enable_thinking: false, name: 'Ada', n: 3 });
    expect(() => templateVariables(parseFlags(['--template-var', 'oops']).flags)).toThrow(/NAME=VALUE/);
  });

  it('parses --adapter DIR[:WEIGHT]', () => {
    const { flags } = parseFlags(['--adapter', 'runs/a', '--adapter', 'C:/x/b:-0.5', '--adapter', 'c:2e-1']);
    expect(parseAdapterFlags(flags)).toEqual([
      { dir: 'runs/a', weight: 1 },
      { dir: 'C:/x/b', weight: -0.5 },
      { dir: 'c', weight: 0.2 },
    ]);
  });
});
