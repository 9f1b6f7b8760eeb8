import { describe, expect, it } from 'vitest';
import { tinyConfigJson } from '../test-utils/tiny-model';
import { loadModelConfig, parseModelConfig } from './config';
import { memoryFiles } from '../formats/memory-files';
import { ropeInverseFrequencies } from './rope';

describe('parseModelConfig', () => {
  it('normalizes a Qwen3 config (head_dim ≠ hidden/heads, q/k norm, tied)', () => {
    const c = parseModelConfig(tinyConfigJson('qwen3'));
    expect(c).toMatchObject({
      family: 'qwen3',
      hidden: 32,
      heads: 4,
      kvHeads: 2,
      headDim: 16,
      qkNorm: true,
      qkvBias: false,
      tieWordEmbeddings: true,
    });
  });

  it('qwen2 has q/k/v bias but no o_proj bias; llama attention_bias covers o_proj too', () => {
    expect(parseModelConfig(tinyConfigJson('qwen2'))).toMatchObject({ qkvBias: true, oBias: false });
    expect(parseModelConfig(tinyConfigJson('llama', { attention_bias: true }))).toMatchObject({
      qkvBias: true,
      oBias: true,
    });
    expect(parseModelConfig(tinyConfigJson('llama'))).toMatchObject({
      qkvBias: false,
      oBias: false,
      slidingWindow: null,
    });
  });

  it('defaults num_key_value_heads to heads, head_dim to hidden/heads, tie to false', () => {
    const raw = tinyConfigJson('llama');
    delete raw.num_key_value_heads;
    delete raw.tie_word_embeddings;
    expect(parseModelConfig(raw)).toMatchObject({ kvHeads: 4, headDim: 8, tieWordEmbeddings: false });
  });

  it('reads llama3 rope scaling (rope_type or type)', () => {
    const rs = { factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 };
    for (const key of ['rope_type', 'type']) {
      const c = parseModelConfig(tinyConfigJson('llama', { rope_scaling: { ...rs, [key]: 'llama3' } }));
      expect(c.ropeScaling).toEqual({
        type: 'llama3',
        factor: 32,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 8192,
      });
    }
  });

  it('llama3 remap matches the published Llama 3.2 values', () => {
    // theta 500000, head_dim 64: frequency 0 is untouched, the lowest frequencies are divided by 32.
    const base = ropeInverseFrequencies(64, 500000, null);
    const scaled = ropeInverseFrequencies(64, 500000, {
      type: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    expect(scaled[0]).toBe(base[0]);
    expect(scaled[31]).toBeCloseTo(base[31] / 32, 12);
    // A medium band frequency lies strictly between the two.
    const mid = scaled.findIndex((v, i) => v !== base[i] && Math.abs(v - base[i] / 32) > 1e-12);
    expect(mid).toBeGreaterThan(0);
    expect(scaled[mid]).toBeLessThan(base[mid]);
    expect(scaled[mid]).toBeGreaterThan(base[mid] / 32);
  });

  it('mistral keeps its sliding window', () => {
    expect(parseModelConfig(tinyConfigJson('mistral', { sliding_window: 4096 })).slidingWindow).toBe(4096);
    expect(parseModelConfig(tinyConfigJson('mistral', { sliding_window: null })).slidingWindow).toBeNull();
  });

  it('rejects unsupported architectures with the supported list', () => {
    expect(() => parseModelConfig({ ...tinyConfigJson('llama'), model_type: 'gpt2' }, 'x/config.json')).toThrow(
      'unsupported architecture gpt2; supported: llama, mistral, qwen2, qwen3 (x/config.json)',
    );
  });

  it('rejects inconsistent shapes and activations', () => {
    expect(() => parseModelConfig(tinyConfigJson('llama', { num_key_value_heads: 3 }))).toThrow(/not a multiple/);
    expect(() => parseModelConfig(tinyConfigJson('llama', { hidden_act: 'gelu' }))).toThrow(/hidden_act "gelu"/);
    expect(() => parseModelConfig(tinyConfigJson('llama', { hidden_size: undefined }))).toThrow(
      /missing "hidden_size"/,
    );
    expect(() => parseModelConfig(tinyConfigJson('llama', { rope_scaling: { type: 'yarn', factor: 4 } }))).toThrow(
      /"yarn" is not supported/,
    );
  });
});

describe('loadModelConfig', () => {
  it('names the folder when config.json is missing', async () => {
    await expect(loadModelConfig(memoryFiles({}, '/m/smol'))).rejects.toThrow('/m/smol/config.json: missing');
  });

  it('names the file when config.json is not JSON', async () => {
    await expect(loadModelConfig(memoryFiles({ 'config.json': '{oops' }, '/m/smol'))).rejects.toThrow(
      /\/m\/smol\/config\.json: not valid JSON/,
    );
  });
});
