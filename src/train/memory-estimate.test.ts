import { describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { parseModelConfig } from '../model/config';
import { tinyModelFiles } from '../test-utils/tiny-model';
import { estimateTrainingMemory, WASM_HEAP_FACTOR } from './memory-estimate';
import { HEAD_DOMINATED_SHAPE, measureLoraStep } from './testing/measure-step';
import { tinyConfig } from './testing/tiny-model';

describe('training memory estimate', () => {
  // A small model whose LM head (vocab 8192) sets the checkpointed step's peak, as a 50k–150k vocabulary does at
  // real sizes: the estimate the studio shows against the measured peak of distinct tensor buffers, base included.
  it.each([
    ['f32', 64],
    ['int4', 128],
    ['int8', 128],
  ] as const)('is within 10 percent of the measured peak of a checkpointed step (%s, seq %i)', async (quant, seq) => {
    await initNodeBackend('cpu');
    const files = tinyModelFiles('llama', {
      overrides: HEAD_DOMINATED_SHAPE,
    });
    const m = await measureLoraStep(files, { quant, seq, embeddings: 'f32', checkpointing: true, groupSize: 32 });
    expect(Number.isFinite(m.loss)).toBe(true);
    expect(m.estimate.totalBytes / m.peak.tensorBytes).toBeGreaterThan(0.9);
    expect(m.estimate.totalBytes / m.peak.tensorBytes).toBeLessThan(1.1);
  });

  it('bounds a taped (no checkpointing) step from above, and checkpointing needs less', async () => {
    await initNodeBackend('cpu');
    const files = tinyModelFiles('llama', {
      overrides: { hidden_size: 64, intermediate_size: 176, num_hidden_layers: 4, vocab_size: 2048 },
    });
    const taped = await measureLoraStep(files, { quant: 'f32', seq: 64, embeddings: 'f32', checkpointing: false });
    const ck = await measureLoraStep(files, { quant: 'f32', seq: 64, embeddings: 'f32', checkpointing: true });
    expect(ck.peak.tensorBytes).toBeLessThan(taped.peak.tensorBytes);
    expect(taped.estimate.totalBytes).toBeGreaterThan(taped.peak.tensorBytes);
    expect(taped.estimate.totalBytes).toBeLessThan(1.5 * taped.peak.tensorBytes);
  });

  it('promises the wasm heap: tensor bytes times WASM_HEAP_FACTOR', () => {
    const c = tinyConfig({ hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, headDim: 16, vocab: 512 });
    const o = { quant: 'int4' as const, trainableParameters: 1000, batch: 1, seqLen: 64, checkpointing: true };
    const cpu = estimateTrainingMemory(c, o);
    const wasm = estimateTrainingMemory(c, { ...o, backend: 'wasm' });
    expect(cpu.totalBytes).toBe(cpu.baseBytes + cpu.trainableBytes + cpu.activationBytes);
    expect(wasm.totalBytes).toBe(Math.round(WASM_HEAP_FACTOR * cpu.totalBytes));
  });

  it('sizes a real model: SmolLM2-135M, NF4 base, r16 all-linear, 1×512', () => {
    const c = parseModelConfig({
      model_type: 'llama',
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      vocab_size: 49152,
      tie_word_embeddings: true,
    });
    const m = estimateTrainingMemory(c, {
      quant: 'nf4',
      trainableParameters: 4_884_480,
      batch: 1,
      seqLen: 512,
      labelTokens: 256,
    });
    expect(m.trainableBytes).toBe(4_884_480 * 16);
    expect(m.activationBytes).toBeGreaterThan(m.baseBytes);
    expect(m.totalBytes).toBe(m.baseBytes + m.trainableBytes + m.activationBytes);
  });
});
