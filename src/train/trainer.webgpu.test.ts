/**
 * LoRA training on the webgpu backend (Dawn + SwiftShader in Node: tiny shapes only) over a QLoRA-style NF4 base
 * whose WGSL kernels pass gradients to their inputs, with activation checkpointing (the default): the loss curve
 * matches the same run on the cpu backend.
 */
import { describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { specsOf } from '../lora/config';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import { loadModel } from '../model/load';
import { createLinearFactory } from '../model/linear-factory';
import { tinyModelFiles } from '../test-utils/tiny-model';
import { initNodeWebGpu } from '../test-utils/webgpu.node.js';
import { loraObjective } from './objective';
import { DEFAULT_TRAIN_CONFIG } from '../spec/train-config';
import { seedStreams, Trainer } from './trainer';

const files = tinyModelFiles('llama', {
  seed: 7,
  overrides: {
    hidden_size: 16,
    intermediate_size: 32,
    num_hidden_layers: 1,
    vocab_size: 32,
    num_attention_heads: 2,
    num_key_value_heads: 1,
  },
});
const data = Array.from({ length: 4 }, (_, i) => ({
  ids: Int32Array.from({ length: 6 }, (_, t) => (i * 5 + t * 3 + 1) % 32),
  lossMask: Uint8Array.from({ length: 6 }, (_, t) => (t >= 2 ? 1 : 0)),
}));

async function curve(): Promise<{ losses: number[]; gpuBytes: number | undefined }> {
  const model = await loadModel(files, { linearFactory: createLinearFactory('nf4', { groupSize: 32 }) });
  const adapter = LoraAdapter.create(
    { ...DEFAULT_LORA_CONFIG, rank: 2, alpha: 4, dropout: 0 },
    specsOf(model.linears()),
    seedStreams(1).init,
  );
  const trainer = new Trainer({
    objective: loraObjective(model, adapter, { checkpointing: true }),
    train: data,
    config: {
      ...DEFAULT_TRAIN_CONFIG,
      lr: 5e-2,
      schedule: 'constant',
      steps: 3,
      batchSize: 2,
      maxSeqLen: 8,
      bucket: 8,
      seed: 1,
    },
    runId: 'gpu',
  });
  const r = await trainer.run();
  trainer.dispose();
  adapter.dispose();
  model.dispose();
  return { losses: r.metrics.map((m) => m.loss), gpuBytes: r.metrics[0].gpuBytes };
}

describe('LoRA training on webgpu', () => {
  it('matches the cpu loss curve on an NF4 base and reports GPU memory', async () => {
    await initNodeBackend('cpu');
    const cpu = await curve();
    expect(await initNodeWebGpu()).toBe(true);
    expect(tf.getBackend()).toBe('webgpu');
    const gpu = await curve();
    expect(gpu.losses[2]).toBeLessThan(gpu.losses[0]);
    // Step 1 is the untouched base + zero-B adapter and step 2 follows one sign-like Adam update: both must agree
    // closely. Later steps agree loosely: Adam's m/√v turns gradient entries that are ~0 on one backend and
    // rounding noise on the other into full-size updates.
    expect(Math.abs(gpu.losses[0] - cpu.losses[0])).toBeLessThan(1e-4);
    expect(Math.abs(gpu.losses[1] - cpu.losses[1])).toBeLessThan(1e-3);
    expect(Math.abs(gpu.losses[2] - cpu.losses[2]) / cpu.losses[2]).toBeLessThan(0.03);
    expect(gpu.gpuBytes).toBeGreaterThan(0);
    expect(cpu.gpuBytes).toBeUndefined();
  }, 240_000);
});
