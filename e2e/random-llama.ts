/**
 * Tiny random Llama checkpoints the specs write themselves (F32, tied embeddings, one seeded LCG so every run gets the
 * same base), with the tokenizer files of an existing model folder, as Playwright file payloads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeSafetensors, type SafetensorsEntry } from '../src/formats/safetensors-write';

/** Playwright file payload. */
export interface Payload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** What varies between the specs' tiny models. */
export interface RandomLlama {
  shape: { hidden: number; layers: number; heads: number; kvHeads: number; intermediate: number; vocab: number };
  /** The LCG's seed and the uniform half-widths of the embedding and of the projection weights. */
  draw: { seed: number; embedScale: number; weightScale: number };
  /** config.json's context length and special token ids (matching the tokenizer). */
  ids: { maxPositions: number; bos: number; eos: number };
}

/** Uniform in [-scale, scale) from a fixed LCG. */
function lcg(seed: number): (n: number, scale: number) => Float32Array {
  let s = seed >>> 0;
  return (n, scale) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * 2 * scale;
    });
}

/** Embedding, final norm, then every decoder layer (attention + SwiGLU MLP), drawn in that order. */
function entries(m: RandomLlama): SafetensorsEntry[] {
  const rand = lcg(m.draw.seed);
  const { hidden: h, intermediate: i, vocab: v } = m.shape;
  const kv = (h / m.shape.heads) * m.shape.kvHeads;
  const w = m.draw.weightScale;
  const t = (name: string, shape: number[], data: Float32Array): SafetensorsEntry => ({
    name,
    dtype: 'F32',
    shape,
    data,
  });
  const ones = (n: number) => new Float32Array(n).fill(1);
  const out = [
    t('model.embed_tokens.weight', [v, h], rand(v * h, m.draw.embedScale)),
    t('model.norm.weight', [h], ones(h)),
  ];
  for (let l = 0; l < m.shape.layers; l++) {
    const p = `model.layers.${l}`;
    out.push(
      t(`${p}.input_layernorm.weight`, [h], ones(h)),
      t(`${p}.post_attention_layernorm.weight`, [h], ones(h)),
      t(`${p}.self_attn.q_proj.weight`, [h, h], rand(h * h, w)),
      t(`${p}.self_attn.k_proj.weight`, [kv, h], rand(kv * h, w)),
      t(`${p}.self_attn.v_proj.weight`, [kv, h], rand(kv * h, w)),
      t(`${p}.self_attn.o_proj.weight`, [h, h], rand(h * h, w)),
      t(`${p}.mlp.gate_proj.weight`, [i, h], rand(i * h, w)),
      t(`${p}.mlp.up_proj.weight`, [i, h], rand(i * h, w)),
      t(`${p}.mlp.down_proj.weight`, [h, i], rand(h * i, w)),
    );
  }
  return out;
}

/** config.json, model.safetensors and the tokenizer files of `tokenizerDir` (sized for `m.shape.vocab`). */
export function randomLlamaFiles(tokenizerDir: string, m: RandomLlama): Payload[] {
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: m.shape.hidden,
    intermediate_size: m.shape.intermediate,
    num_hidden_layers: m.shape.layers,
    num_attention_heads: m.shape.heads,
    num_key_value_heads: m.shape.kvHeads,
    vocab_size: m.shape.vocab,
    max_position_embeddings: m.ids.maxPositions,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    bos_token_id: m.ids.bos,
    eos_token_id: m.ids.eos,
  };
  const json = (name: string, body: Buffer): Payload => ({ name, mimeType: 'application/json', buffer: body });
  return [
    json('config.json', Buffer.from(JSON.stringify(config))),
    {
      name: 'model.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(encodeSafetensors(entries(m), { format: 'pt' })),
    },
    json('tokenizer.json', readFileSync(path.join(tokenizerDir, 'tokenizer.json'))),
    json('tokenizer_config.json', readFileSync(path.join(tokenizerDir, 'tokenizer_config.json'))),
  ];
}
