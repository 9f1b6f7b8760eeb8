import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FIXTURES, modelFixtureDir, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import { capture } from '../../test-utils/capture-stdout';
import { inspectCommand, type InspectReport } from './inspect';

const inspect = (args: string[]) => capture(() => inspectCommand.run(args));

// Parameter counts published for these checkpoints (safetensors totals on their model pages).
const PUBLISHED: Record<(typeof CONFIG_FIXTURES)[number], number> = {
  'smollm2-135m': 134_515_008,
  'smollm2-360m': 361_821_120,
  'qwen2.5-0.5b': 494_032_768,
  'qwen3-0.6b': 596_049_920,
  'llama-3.2-1b': 1_235_814_400,
  'tinyllama-1.1b': 1_100_048_384,
  'mistral-7b-v0.1': 7_241_732_096,
};

describe('inspect', () => {
  for (const name of CONFIG_FIXTURES) {
    it(`${name}: works from config.json alone and counts the published parameters`, async () => {
      const dir = path.join(REPO_ROOT, 'fixtures', 'configs', name);
      const report = JSON.parse(await inspect(['--model', dir, '--json'])) as InspectReport;
      expect(report.parameters).toBe(PUBLISHED[name]);
      expect(report.checkpoint).toBeNull();
      const m = report.memory;
      expect(m.f32.total).toBeGreaterThan(m.f16.total);
      expect(m.f16.total).toBeGreaterThan(m.int8.total);
      expect(m.int8.total).toBeGreaterThan(m.int4.total);
      expect(m.nf4.total).toBe(m.int4.total);
      expect(m.f32.linearBytes).toBe(4 * report.linearParameters);
      const compact = report.memoryF16Embeddings;
      expect(compact.int4.total).toBeLessThan(m.int4.total);
      expect(compact.int4.hostBytes).toBe(2 * report.config.vocab * report.config.hidden);
    });
  }

  it('prints a human-readable summary with every quant mode', async () => {
    const text = await inspect(['--model', path.join(REPO_ROOT, 'fixtures', 'configs', 'qwen3-0.6b')]);
    expect(text).toContain('Qwen3ForCausalLM (qwen3)');
    expect(text).toContain('16 heads / 8 KV heads × 128');
    expect(text).toContain('596.05M');
    expect(text).toContain('kv cache      224.0 MiB per 1024 tokens'); // 28 layers × (k, v) × 8 KV heads × 128 × 4 B × 1024
    for (const mode of ['f32', 'f16', 'int8', 'int4', 'nf4'])
      expect(text).toMatch(new RegExp(`^  ${mode}\\s+\\d`, 'm'));
  });

  it('lists checkpoint files and stored dtypes when weights are present', async () => {
    const report = JSON.parse(await inspect(['--model', modelFixtureDir('llama-sharded'), '--json'])) as InspectReport;
    expect(report.checkpoint?.files).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    expect(report.checkpoint?.dtypes).toEqual(['F32']);
    expect(report.parameters).toBe(37024);
  });

  it('fails clearly without config.json or on an unsupported architecture', async () => {
    await expect(inspectCommand.run(['--model', REPO_ROOT + '/fixtures'])).rejects.toThrow(
      /fixtures\/config\.json: missing/,
    );
  });
});
