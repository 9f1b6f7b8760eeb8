import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTensorF32 } from '../../src/formats/safetensors';
import { expectedTensors, openCheckpoint, validateCheckpoint } from '../../src/model/checkpoint';
import { loadModelConfig } from '../../src/model/config';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { countParameters } from '../../src/model/memory-estimate';
import { loadTokenizer } from '../../src/tokenizer/load';
import { ensureRealShapes } from './real-shapes';
import { syntheticBpeTokenizer } from './synthetic-bpe';
import { writeRandomWeights } from './write-weights';

const cacheDir = mkdtempSync(path.join(tmpdir(), 'real-shapes-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

function stats(v: Float32Array): { mean: number; std: number } {
  let s = 0;
  let s2 = 0;
  for (const x of v) {
    s += x;
    s2 += x * x;
  }
  const mean = s / v.length;
  return { mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

describe('real-shape checkpoints', () => {
  it('SmolLM2-135M: published config, tied bf16 weights of the published size, std 0.02, norms ≈ 1, 49152-token BPE', async () => {
    const t0 = performance.now();
    const dir = await ensureRealShapes('smollm2-135m', { cacheDir });
    const files = folderFiles(dir);
    const config = await loadModelConfig(files);
    expect(readFileSync(path.join(dir, 'config.json'), 'utf8')).toBe(
      readFileSync('fixtures/configs/smollm2-135m/config.json', 'utf8'),
    );
    expect(countParameters(config)).toBe(134_515_008); // SmolLM2-135M's published parameter count
    const ckpt = await openCheckpoint(files);
    validateCheckpoint(files, ckpt, expectedTensors(config));
    const header = ckpt.headers.get('model.safetensors')!;
    expect(header.tensors.has('lm_head.weight')).toBe(false); // tied, as published
    expect([...header.tensors.values()].every((t) => t.dtype === 'BF16')).toBe(true);
    // 2 bytes per parameter plus the header: the published file is 269,060,552 bytes (its header orders keys differently).
    expect(statSync(path.join(dir, 'model.safetensors')).size).toBeGreaterThan(2 * 134_515_008);
    expect(statSync(path.join(dir, 'model.safetensors')).size).toBeLessThan(2 * 134_515_008 + 40_000);

    const q = stats(await readTensorF32(files, header, 'model.layers.3.self_attn.q_proj.weight'));
    expect(Math.abs(q.mean)).toBeLessThan(1e-3);
    expect(q.std).toBeGreaterThan(0.019);
    expect(q.std).toBeLessThan(0.021);
    const norm = stats(await readTensorF32(files, header, 'model.layers.3.input_layernorm.weight'));
    expect(norm.mean).toBeCloseTo(1, 2);

    const tok = await loadTokenizer(files);
    expect(tok.vocabSize).toBe(49152);
    const ids = tok.encode('The whale swam north.');
    expect(ids.length).toBeGreaterThan(3);
    expect(ids.length).toBeLessThan(16);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toContain('The whale swam north.');

    // Cached: the second call reuses the folder; a truncated file makes it rebuild.
    const t1 = performance.now();
    expect(await ensureRealShapes('smollm2-135m', { cacheDir })).toBe(dir);
    expect(performance.now() - t1).toBeLessThan((t1 - t0) / 2);
    writeFileSync(path.join(dir, 'tokenizer.json'), '{}');
    await ensureRealShapes('smollm2-135m', { cacheDir });
    expect((await loadTokenizer(folderFiles(dir))).vocabSize).toBe(49152);
  });

  it('shards split at tensor boundaries with an index the loader follows', async () => {
    const dir = mkdtempSync(path.join(cacheDir, 'shards-'));
    const tensors = [
      { name: 'model.embed_tokens.weight', shape: [64, 16] },
      { name: 'model.norm.weight', shape: [16] },
      { name: 'lm_head.weight', shape: [64, 16] },
      { name: 'x.bias', shape: [7] },
    ];
    const names = writeRandomWeights(dir, tensors, 2);
    expect(names).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
    ]);
    const index = JSON.parse(readFileSync(path.join(dir, 'model.safetensors.index.json'), 'utf8')) as {
      metadata: { total_size: number };
      weight_map: Record<string, string>;
    };
    expect(index.metadata.total_size).toBe(2 * (64 * 16 * 2 + 16 + 7));
    expect(new Set(Object.values(index.weight_map)).size).toBe(2);
    const ckpt = await openCheckpoint(folderFiles(dir));
    for (const t of tensors) expect(ckpt.locate(t.name)?.info.shape).toEqual(t.shape);
    const bias = await readTensorF32(folderFiles(dir), ckpt.locate('x.bias')!.header, 'x.bias');
    expect(bias.every((x) => Number.isFinite(x) && Math.abs(x) < 0.2)).toBe(true);
  });

  it('the synthetic BPE has exactly the vocab size asked for, with valid merges', () => {
    const { tokenizer } = syntheticBpeTokenizer(32000) as {
      tokenizer: { model: { vocab: Record<string, number>; merges: string[] } };
    };
    const ids = Object.values(tokenizer.model.vocab);
    expect(ids.length).toBe(32000);
    expect(new Set(ids).size).toBe(32000);
    expect(Math.max(...ids)).toBe(31999);
    for (const m of tokenizer.model.merges.slice(-50)) {
      const [a, b] = m.split(' ');
      expect(a in tokenizer.model.vocab && b in tokenizer.model.vocab && a + b in tokenizer.model.vocab).toBe(true);
    }
  });
});
