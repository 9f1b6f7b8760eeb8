/**
 * `export` end to end on PyTorch-written PEFT adapters (fixtures/lora: a llama one with rank/alpha patterns and a
 * qwen2 rsLoRA one): every format loads back in the tool it is for — our engine for PEFT and the merged folder
 * (within 1e-4 of base + adapters), llama.cpp for the GGUFs — and every bad input fails with a clear message and
 * leaves no file behind.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { initNodeBackend } from '../../backend/node';
import { logProbGap, tempDir, withTokenizer } from '../../export/export-fixtures.node.js';
import { writeFileAtomically, writeFolderAtomically } from '../../export/file-sink.node.js';
import { exportPeft } from '../../lora/peft';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import { LoraAdapter } from '../../lora/lora-adapter';
import { Rng } from '../../util/rng';
import { llamaCppLogProbs } from '../../test-utils/llama-cpp.node.js';
import { CliError } from '../command';
import { exportCommand } from './export';
import { scoreCommand } from './score';
import { capture } from '../../test-utils/capture-stdout';

const root = path.resolve(__dirname, '../../../fixtures');
const llama = withTokenizer(path.join(root, 'lora/llama'));
const qwen2 = withTokenizer(path.join(root, 'lora/qwen2-rslora'));
const adapterOf = (base: string) => path.join(root, 'lora', path.basename(base), 'adapter');
const IDS = '1,5,9,13,40,42,7,60,3,25,17,63';
const dir = tempDir('export-cli');

afterAll(() => vi.restoreAllMocks());

const exportJson = async (args: string[]) =>
  JSON.parse(await capture(() => exportCommand.run(args))) as Record<string, unknown>;

async function score(model: string, adapters: string[] = []): Promise<(number | null)[]> {
  const args = ['--model', model, '--ids', IDS, '--backend', 'cpu', ...adapters.flatMap((a) => ['--adapter', a])];
  return (JSON.parse(await capture(() => scoreCommand.run(args))) as { logprobs: (number | null)[] }).logprobs;
}

/** Everything under `dir` (to prove a failed export left nothing). */
const listing = (d: string) => (existsSync(d) ? readdirSync(d).sort() : []);

describe('export CLI', () => {
  for (const base of [llama, qwen2]) {
    const adapter = adapterOf(base);
    const name = path.basename(base);

    it(`${name}: merged folder (f32) scores like base + 0.7·adapter within 1e-4, and PEFT of a mix like the stack`, async () => {
      const want = await score(base, [`${adapter}:0.7`]);
      const out = path.join(dir, `${name}-merged`);
      const res = await exportJson([
        '--model',
        base,
        '--adapter',
        `${adapter}:0.7`,
        '--format',
        'merged',
        '--dtype',
        'f32',
        '--out',
        out,
      ]);
      expect(res).toMatchObject({ format: 'merged', dtype: 'f32', shards: 1 });
      expect(listing(out)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json']));
      expect(JSON.parse(readFileSync(path.join(out, 'config.json'), 'utf8')).torch_dtype).toBe('float32');
      expect(logProbGap(await score(out), want).max).toBeLessThan(1e-4);

      const peft = path.join(dir, `${name}-peft`);
      await exportJson([
        '--model',
        base,
        '--adapter',
        `${adapter}:0.7`,
        '--adapter',
        `${adapter}:-0.2`,
        '--format',
        'peft',
        '--out',
        peft,
      ]);
      expect(logProbGap(await score(base, [peft]), await score(base, [`${adapter}:0.5`])).max).toBeLessThan(1e-4);
    }, 120_000);

    it(`${name}: gguf-adapter on a merged-gguf base, and merged-gguf, in llama.cpp = our base + adapter within 0.02`, async () => {
      const ids = IDS.split(',').map(Number);
      const want = await score(base, [adapter]);
      const baseGguf = path.join(dir, `${name}-base.gguf`);
      const adapterGguf = path.join(dir, `${name}-adapter.gguf`);
      const mergedGguf = path.join(dir, `${name}-merged.gguf`);
      expect(
        await exportJson(['--model', base, '--format', 'merged-gguf', '--dtype', 'f32', '--out', baseGguf]),
      ).toMatchObject({ adapters: 0 });
      await exportJson(['--model', base, '--adapter', adapter, '--format', 'gguf-adapter', '--out', adapterGguf]);
      await exportJson([
        '--model',
        base,
        '--adapter',
        adapter,
        '--format',
        'merged-gguf',
        '--dtype',
        'f32',
        '--out',
        mergedGguf,
      ]);
      expect(
        logProbGap(await llamaCppLogProbs(baseGguf, ids, { adapters: [{ filePath: adapterGguf }] }), want).max,
      ).toBeLessThan(0.02);
      expect(logProbGap(await llamaCppLogProbs(mergedGguf, ids), want).max).toBeLessThan(0.02);
      const modelfile = readFileSync(path.join(dir, `${name}-adapter.Modelfile`), 'utf8');
      expect(modelfile).toContain(`FROM ./base.gguf\nADAPTER ./${name}-adapter.gguf\n`);
      expect(readFileSync(path.join(dir, `${name}-merged.Modelfile`), 'utf8')).toMatch(
        new RegExp(`^FROM ./${name}-merged.gguf\\n`),
      );
    }, 120_000);
  }

  it('an adapter GGUF needs no tokenizer: its Modelfile then has no stop tokens', async () => {
    const out = path.join(dir, 'no-tokenizer.gguf');
    await exportJson([
      '--model',
      path.join(root, 'lora/llama'),
      '--adapter',
      adapterOf(llama),
      '--format',
      'gguf-adapter',
      '--dtype',
      'q8_0',
      '--out',
      out,
    ]);
    expect(readFileSync(path.join(dir, 'no-tokenizer.Modelfile'), 'utf8')).toBe(
      'FROM ./base.gguf\nADAPTER ./no-tokenizer.gguf\n',
    );
  });

  describe('bad input: a clear error and no partial file', () => {
    async function expectRefused(args: string[], message: RegExp, out: string): Promise<void> {
      const before = listing(path.dirname(out));
      const err = await exportCommand.run(args).catch((e: Error) => e);
      expect(err).toBeInstanceOf(CliError);
      expect((err as Error).message).toMatch(message);
      expect(listing(path.dirname(out))).toEqual(before);
    }

    it('a mix of adapters from different bases', async () => {
      const other = path.join(tempDir('other-base'), 'adapter');
      cpSync(adapterOf(llama), other, { recursive: true });
      const cfgPath = path.join(other, 'adapter_config.json');
      writeFileSync(
        cfgPath,
        JSON.stringify({ ...JSON.parse(readFileSync(cfgPath, 'utf8')), base_model_name_or_path: 'Qwen/Qwen3-0.6B' }),
      );
      const out = path.join(tempDir('refused'), 'mix.gguf');
      await expectRefused(
        ['--model', llama, '--adapter', adapterOf(llama), '--adapter', other, '--format', 'gguf-adapter', '--out', out],
        /different bases.*fixtures\/lora\/base.*Qwen3-0\.6B/,
        out,
      );
    });

    it('an adapter on layers the base lacks', async () => {
      await initNodeBackend('cpu');
      const spec = { path: 'model.layers.5.self_attn.q_proj', inFeatures: 32, outFeatures: 32 };
      const deep = LoraAdapter.create({ ...DEFAULT_LORA_CONFIG, rank: 2, targets: ['q_proj'] }, [spec], new Rng(1));
      const folder = tempDir('deep-adapter');
      for (const [file, bytes] of Object.entries(await exportPeft(deep, { baseModel: 'fixtures/lora/base' })))
        writeFileSync(path.join(folder, file), bytes);
      deep.dispose();
      const out = path.join(tempDir('refused'), 'deep.gguf');
      await expectRefused(
        ['--model', llama, '--adapter', folder, '--format', 'gguf-adapter', '--out', out],
        /model\.layers\.5\.self_attn\.q_proj.*does not have/,
        out,
      );
    });

    it('the disk full mid-export: the message says so and the partial file is deleted', async () => {
      const target = path.join(tempDir('full'), 'big.gguf');
      const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      const err = await writeFileAtomically(target, async (sink) => {
        await sink.write(new Uint8Array(1 << 20));
        throw full;
      }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/disk is full/);
      expect(listing(path.dirname(target))).toEqual([]);
      const folder = path.join(tempDir('full'), 'merged');
      await writeFolderAtomically(folder, async (sink) => {
        const f = await sink.file('model.safetensors');
        await f.write(new Uint8Array(1024));
        throw full;
      }).catch(() => undefined);
      expect(listing(path.dirname(folder))).toEqual([]);
    });

    it('an architecture llama.cpp cannot take (Mistral sliding window)', async () => {
      const out = path.join(tempDir('refused'), 'mistral.gguf');
      await expectRefused(
        ['--model', withTokenizer(path.join(root, 'models/mistral')), '--format', 'merged-gguf', '--out', out],
        /sliding window of 5 tokens/,
        out,
      );
    });

    it('a dtype the format cannot hold, and a missing tokenizer for GGUF', async () => {
      const out = path.join(tempDir('refused'), 'x.gguf');
      await expectRefused(
        ['--model', llama, '--adapter', adapterOf(llama), '--format', 'gguf-adapter', '--dtype', 'q4_0', '--out', out],
        /--dtype for gguf-adapter must be one of f32, f16, q8_0/,
        out,
      );
      await expectRefused(
        ['--model', path.join(root, 'models/qwen2'), '--format', 'merged-gguf', '--out', out],
        /tokenizer\.json is missing/,
        out,
      );
    });
  });
});
