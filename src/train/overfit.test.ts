import { expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import { loraObjective } from './objective';
import { buildModel, linearSpecs, randomWeights, tinyConfig } from './testing/tiny-model';
import { DEFAULT_TRAIN_CONFIG } from '../spec/train-config';
import { seedStreams, Trainer } from './trainer';

it('overfits 20 examples: loss falls by ≥ 90% (LoRA r8 on a frozen tiny base, wasm backend)', async () => {
  const backend = await initNodeBackend('wasm');
  const config = tinyConfig({ hidden: 32, headDim: 8, intermediate: 64 });
  const model = buildModel(config, randomWeights(config, 11));
  // "prompt → completion": 3 prompt tokens (masked) decide the rest of the sequence.
  const data = Array.from({ length: 20 }, (_, i) => {
    const len = 6 + (i % 4);
    const ids = Int32Array.from({ length: len }, (_, t) => (i * 7 + t * ((i % 5) + 1) + 3) % config.vocab);
    return { ids, lossMask: Uint8Array.from({ length: len }, (_, t) => (t >= 3 ? 1 : 0)) };
  });
  const adapter = LoraAdapter.create(
    { ...DEFAULT_LORA_CONFIG, rank: 8, alpha: 16, dropout: 0 },
    linearSpecs(config),
    seedStreams(5).init,
  );
  const trainer = new Trainer({
    objective: loraObjective(model, adapter),
    train: data,
    config: {
      ...DEFAULT_TRAIN_CONFIG,
      lr: 2e-2,
      steps: 200,
      warmupSteps: 5,
      batchSize: 4,
      maxSeqLen: 32,
      bucket: 8,
      seed: 5,
    },
    runId: 'overfit',
  });
  const started = performance.now();
  const result = await trainer.run();
  const seconds = (performance.now() - started) / 1000;
  const losses = result.metrics.map((m) => m.loss);
  const last = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
  console.log(`overfit on ${backend}: loss ${losses[0].toFixed(3)} → ${last.toFixed(3)} in ${seconds.toFixed(1)} s`);
  expect(last).toBeLessThan(0.1 * losses[0]);
  expect(seconds).toBeLessThan(60);
  trainer.dispose();
  adapter.dispose();
  model.dispose();
});
