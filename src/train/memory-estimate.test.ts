import { describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import { parseModelConfig } from '../model/config';
import { Rng } from '../util/rng';
import { makeBatch } from './batch';
import { causalLmLossSum } from './loss';
import { estimateTrainingMemory } from './memory-estimate';
import { loraObjective } from './objective';
import { buildModel, linearSpecs, randomWeights, tinyConfig } from './testing/tiny-model';

describe('training memory estimate', () => {
  it('bounds the measured peak of a step on a shape it was not fitted on (taped and checkpointed)', async () => {
    await initNodeBackend('cpu');
    const c = tinyConfig({ hidden: 40, intermediate: 72, layers: 2, heads: 5, kvHeads: 1, headDim: 8, vocab: 96 });
    const model = buildModel(c, randomWeights(c, 1));
    const adapter = LoraAdapter.create({ ...DEFAULT_LORA_CONFIG, rank: 4, dropout: 0 }, linearSpecs(c), new Rng(1));
    const examples = Array.from({ length: 2 }, () => ({
      ids: Int32Array.from({ length: 40 }, (_, t) => t % 96),
      lossMask: Uint8Array.from({ length: 40 }, (_, t) => (t >= 10 ? 1 : 0)),
    }));
    const batch = makeBatch(examples, { maxSeqLen: 40, bucket: 1 });
    const vars = [...adapter.variables().values()];
    const weightBytes = tf.memory().numBytes;
    const prof = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => causalLmLossSum(model, batch, adapter), vars);
      value.dispose();
      Object.values(grads).forEach((g) => g.dispose());
    });
    const input = { quant: 'f32' as const, trainableParameters: adapter.parameterCount(), batch: 2, seqLen: 40, labelTokens: batch.labels.length };
    const est = estimateTrainingMemory(c, input);
    const measured = prof.peakBytes - weightBytes;
    // Never below the measurement, at most 30% above it (the estimate carries a 15% margin).
    expect(est.activationBytes).toBeGreaterThan(measured);
    expect(est.activationBytes).toBeLessThan(1.3 * measured);
    // With activation checkpointing: inputs per layer + one layer's tape + one LM-head chunk.
    const objective = loraObjective(model, adapter, { checkpointing: true });
    let grads: Map<string, tf.Tensor> = new Map();
    const ck = await tf.profile(async () => {
      grads = (await objective.gradients!(batch, 1)).grads;
    });
    grads.forEach((g) => g.dispose());
    const estCk = estimateTrainingMemory(c, { ...input, checkpointing: true });
    const measuredCk = ck.peakBytes - weightBytes;
    expect(measuredCk).toBeLessThan(measured);
    expect(estCk.activationBytes).toBeGreaterThan(0.9 * measuredCk);
    expect(estCk.activationBytes).toBeLessThan(1.4 * measuredCk);
    adapter.dispose();
    model.dispose();
  });

  it('sizes a real model: SmolLM2-135M, NF4 base, r16 all-linear, 1×512', () => {
    const c = parseModelConfig({
      model_type: 'llama', hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9,
      num_key_value_heads: 3, vocab_size: 49152, tie_word_embeddings: true,
    });
    const m = estimateTrainingMemory(c, { quant: 'nf4', trainableParameters: 4_884_480, batch: 1, seqLen: 512, labelTokens: 256 });
    expect(m.trainableBytes).toBe(4_884_480 * 16);
    expect(m.activationBytes).toBeGreaterThan(m.baseBytes);
    expect(m.totalBytes).toBe(m.baseBytes + m.trainableBytes + m.activationBytes);
  });
});
