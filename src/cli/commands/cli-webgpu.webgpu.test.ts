/**
 * `train` and `generate` with `--backend webgpu` in Node (Dawn on SwiftShader): one training step and a few tokens
 * on the tiny fixture, with the summary's peak taken from the GPU buffer bytes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backend/tf';
import { modelFixtureDir } from '../../test-utils/model-fixtures.node.js';
import { runCommand as run } from '../../test-utils/run-cli';
import { generateCommand } from './generate';
import { trainCommand } from './train';

let dir = '';
const model = modelFixtureDir('llama-tied');

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cli-webgpu-'));
  const rows = Array.from({ length: 4 }, (_, i) =>
    JSON.stringify({ prompt: 'hi '.repeat(i + 1), completion: 'there '.repeat(i + 2) }),
  );
  await writeFile(path.join(dir, 'data.jsonl'), rows.join('\n') + '\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('CLI on webgpu (Dawn)', () => {
  it('train: steps as on wasm, then a summary whose peak is GPU buffer bytes', async () => {
    const r = await run(trainCommand, [
      '--model',
      model,
      '--data',
      path.join(dir, 'data.jsonl'),
      '--out',
      path.join(dir, 'a'),
      '--steps',
      '1',
      '--batch',
      '2',
      '--rank',
      '2',
      '--quant',
      'nf4',
      '--group-size',
      '32',
      '--backend',
      'webgpu',
    ]);
    expect(r.code).toBe(0);
    expect(tf.getBackend()).toBe('webgpu');
    const [step, summary] = r.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(step.step).toBe(1);
    expect(Number.isFinite(step.loss)).toBe(true);
    // The studio's WebGPU default: a packed f16 LM head on the device, the embedding table on the host.
    expect(summary).toMatchObject({
      summary: true,
      steps: 1,
      backend: 'webgpu',
      embeddings: 'f16',
      quant: 'nf4',
      wasmHeapBytes: null,
    });
    expect(summary.peakBytes as number).toBeGreaterThan(0);
    expect(summary.gpuAllocatedBytes as number).toBeGreaterThanOrEqual(summary.peakBytes as number);
  }, 600_000);

  it('generate: tokens and the measured GPU peak', async () => {
    const r = await run(generateCommand, [
      '--model',
      model,
      '--prompt',
      'hi',
      '--max-new-tokens',
      '3',
      '--quant',
      'int4',
      '--group-size',
      '32',
      '--backend',
      'webgpu',
      '--stats',
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/3 new tokens|finish: eos/);
    const memory = JSON.parse(r.err.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(memory).toMatchObject({ memory: true, backend: 'webgpu', wasmHeapBytes: null });
    expect(memory.peakBytes as number).toBeGreaterThan(0);
  }, 600_000);
});
