/**
 * Work per optimizer step on WebGPU (Dawn + SwiftShader, tiny shapes), counted at the device: after the first step
 * every step compiles no pipeline, reads back at most two values (the loss and the gradient norm — the finite
 * check), and uploads no weights (only the batch's ids and masks). This is what decides speed on a real GPU: a
 * read-back per module would stall the queue once per module, a per-step compile costs milliseconds to seconds.
 */
import { describe, expect, it } from 'vitest';
import { GpuWorkCounter, gpuWorkDelta, type GpuWork } from '../backend/gpu-work';
import { currentGpuDevice } from '../backend/webgpu';
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
  seed: 3,
  overrides: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    vocab_size: 48,
    num_attention_heads: 2,
    num_key_value_heads: 1,
  },
});
const data = Array.from({ length: 6 }, (_, i) => ({
  ids: Int32Array.from({ length: 8 }, (_, t) => (i * 5 + t * 3 + 1) % 48),
  lossMask: Uint8Array.from({ length: 8 }, (_, t) => (t >= 2 ? 1 : 0)),
}));

async function stepWork(checkpointing: boolean): Promise<{ steps: GpuWork[]; weightBytes: number }> {
  const model = await loadModel(files, {
    linearFactory: createLinearFactory('nf4', { groupSize: 32 }),
    embeddings: 'f16',
  });
  const adapter = LoraAdapter.create(
    { ...DEFAULT_LORA_CONFIG, rank: 2, alpha: 4, dropout: 0 },
    specsOf(model.linears()),
    seedStreams(1).init,
  );
  const counter = new GpuWorkCounter(currentGpuDevice()!);
  const steps: GpuWork[] = [];
  const trainer = new Trainer({
    objective: loraObjective(model, adapter, { checkpointing }),
    train: data,
    config: {
      ...DEFAULT_TRAIN_CONFIG,
      lr: 1e-2,
      steps: 4,
      batchSize: 2,
      maxSeqLen: 8,
      bucket: 8,
      seed: 1,
      checkpointEvery: 0,
    },
    runId: 'work',
    stepScope: async (step) => {
      counter.resetLargest();
      const before = counter.snapshot();
      const out = await step();
      steps.push(gpuWorkDelta(before, counter.snapshot()));
      return out;
    },
  });
  try {
    const r = await trainer.run();
    expect(r.status).toBe('finished');
    return { steps, weightBytes: model.byteSize() };
  } finally {
    counter.dispose();
    trainer.dispose();
    adapter.dispose();
    model.dispose();
  }
}

describe('work per training step on webgpu', () => {
  for (const checkpointing of [true, false]) {
    it(`after step 1: 0 new pipelines, ≤ 2 read-backs, no weight uploads (checkpointing ${checkpointing ? 'on' : 'off'})`, async () => {
      expect(await initNodeWebGpu()).toBe(true);
      const { steps, weightBytes } = await stepWork(checkpointing);
      expect(steps).toHaveLength(4);
      expect(steps[0].dispatches).toBeGreaterThan(50);
      expect(steps[0].readbacks).toBeGreaterThan(0); // counted even through staging buffers tfjs pooled earlier
      for (const w of steps.slice(1)) {
        expect(w.pipelines).toBe(0);
        expect(w.readbacks).toBeLessThanOrEqual(2);
        expect(w.readbackBytes).toBeLessThanOrEqual(2 * 4);
        expect(w.dispatches).toBe(steps[1].dispatches);
        // What is uploaded is the batch (ids, masks, the host f16 embedding rows: [2·8, 32] f32 at most) and small
        // scalars, never a weight. (LoRA dropout, off here, adds its host-drawn masks: one [tokens, in] per module.)
        expect(w.largestUpload).toBeLessThanOrEqual(2 * 8 * 32 * 4);
        expect(w.largestUpload).toBeLessThan(weightBytes / 4);
      }
    }, 300_000);
  }
});
