/**
 * Tiny random checkpoints built in memory (HF config.json + model.safetensors), for tests of anything that needs a
 * model without touching disk: LoRA, training, quantized bases, the worker. Deterministic for a given seed.
 * Browser-safe (no Node imports).
 */
import { encodeSafetensors, type FloatDtype } from '../formats/safetensors';
import { expectedTensors } from '../model/checkpoint';
import { parseModelConfig, type ModelFamily } from '../model/config';
import { memoryFiles } from '../formats/memory-files';
import type { ModelFiles } from '../spec/model-files';
import { mulberry32 as rng } from '../util/rng';

/** A small HF-style config.json object for `family` (hidden 32, 2 layers, 4 heads / 2 KV heads, vocab 128). */
export function tinyConfigJson(
  family: ModelFamily = 'llama',
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const arch = {
    llama: 'LlamaForCausalLM',
    mistral: 'MistralForCausalLM',
    qwen2: 'Qwen2ForCausalLM',
    qwen3: 'Qwen3ForCausalLM',
  }[family];
  return {
    architectures: [arch],
    model_type: family,
    hidden_act: 'silu',
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    vocab_size: 128,
    max_position_embeddings: 256,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: family !== 'mistral',
    bos_token_id: 1,
    eos_token_id: 2,
    ...(family === 'qwen3' ? { head_dim: 16 } : {}),
    ...overrides,
  };
}

/** Random weights for every tensor `config` implies (norm weights near 1, others ~ U(±1/√fan_in)). */
export function tinyCheckpointBytes(
  configJson: Record<string, unknown>,
  opts: { seed?: number; dtype?: FloatDtype } = {},
): Uint8Array {
  const config = parseModelConfig(configJson, 'tiny config');
  const rand = rng(opts.seed ?? 1);
  const tensors = expectedTensors(config).map(({ name, shape }) => {
    const n = shape.reduce((a, d) => a * d, 1);
    const data = new Float32Array(n);
    const isNorm = name.endsWith('norm.weight');
    const bound = shape.length === 2 ? Math.sqrt(3 / shape[1]) : 0.1;
    for (let i = 0; i < n; i++) data[i] = (isNorm ? 1 : 0) + (2 * rand() - 1) * bound;
    return { name, dtype: opts.dtype ?? 'F32', shape, data };
  });
  return encodeSafetensors(tensors, { format: 'pt' });
}

/** An in-memory model folder: config.json + model.safetensors with random weights. */
export function tinyModelFiles(
  family: ModelFamily = 'llama',
  opts: { seed?: number; dtype?: FloatDtype; overrides?: Record<string, unknown> } = {},
): ModelFiles {
  const config = tinyConfigJson(family, opts.overrides);
  return memoryFiles(
    { 'config.json': JSON.stringify(config), 'model.safetensors': tinyCheckpointBytes(config, opts) },
    `tiny-${family}`,
  );
}
