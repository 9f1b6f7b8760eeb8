/**
 * A tiny random Llama the overfit spec writes itself, smaller than the unit test's (hidden 16, 1 layer), with the
 * committed fixture's byte-level tokenizer (256 tokens), and a repetitive "prompt → completion" dataset for it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeSafetensors, type SafetensorsEntry } from '../src/formats/safetensors-write';
import { FIXTURE_MODEL } from './helpers';

const SHAPE = { hidden: 16, layers: 1, heads: 4, kvHeads: 2, intermediate: 32, vocab: 256 };

/** Playwright file payload. */
interface Payload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** Uniform in [-scale, scale) from a fixed LCG, so every run trains the same base. */
function lcg(seed: number): (n: number, scale: number) => Float32Array {
  let s = seed >>> 0;
  return (n, scale) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * 2 * scale;
    });
}

/** Weights of the decoder layers (attention + SwiGLU MLP), F32. */
function layerEntries(rand: (n: number, scale: number) => Float32Array): SafetensorsEntry[] {
  const { hidden: h, intermediate: i } = SHAPE;
  const kv = (h / SHAPE.heads) * SHAPE.kvHeads;
  const t = (name: string, shape: number[], data: Float32Array): SafetensorsEntry => ({
    name,
    dtype: 'F32',
    shape,
    data,
  });
  const ones = (n: number) => new Float32Array(n).fill(1);
  const out: SafetensorsEntry[] = [];
  for (let l = 0; l < SHAPE.layers; l++) {
    const p = `model.layers.${l}`;
    out.push(
      t(`${p}.input_layernorm.weight`, [h], ones(h)),
      t(`${p}.post_attention_layernorm.weight`, [h], ones(h)),
      t(`${p}.self_attn.q_proj.weight`, [h, h], rand(h * h, 0.3)),
      t(`${p}.self_attn.k_proj.weight`, [kv, h], rand(kv * h, 0.3)),
      t(`${p}.self_attn.v_proj.weight`, [kv, h], rand(kv * h, 0.3)),
      t(`${p}.self_attn.o_proj.weight`, [h, h], rand(h * h, 0.3)),
      t(`${p}.mlp.gate_proj.weight`, [i, h], rand(i * h, 0.3)),
      t(`${p}.mlp.up_proj.weight`, [i, h], rand(i * h, 0.3)),
      t(`${p}.mlp.down_proj.weight`, [h, i], rand(h * i, 0.3)),
    );
  }
  return out;
}

/** config.json, model.safetensors (tied embeddings) and the byte-level tokenizer files. */
export function overfitModelFiles(): Payload[] {
  const rand = lcg(2024);
  const { hidden: h, vocab: v } = SHAPE;
  const entries: SafetensorsEntry[] = [
    { name: 'model.embed_tokens.weight', dtype: 'F32', shape: [v, h], data: rand(v * h, 2) },
    { name: 'model.norm.weight', dtype: 'F32', shape: [h], data: new Float32Array(h).fill(1) },
    ...layerEntries(rand),
  ];
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: h,
    intermediate_size: SHAPE.intermediate,
    num_hidden_layers: SHAPE.layers,
    num_attention_heads: SHAPE.heads,
    num_key_value_heads: SHAPE.kvHeads,
    vocab_size: v,
    max_position_embeddings: 256,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    bos_token_id: 1,
    eos_token_id: 2,
  };
  const json = (name: string, body: Buffer): Payload => ({ name, mimeType: 'application/json', buffer: body });
  return [
    json('config.json', Buffer.from(JSON.stringify(config))),
    {
      name: 'model.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(encodeSafetensors(entries, { format: 'pt' })),
    },
    json('tokenizer.json', readFileSync(path.join(FIXTURE_MODEL, 'tokenizer.json'))),
    json('tokenizer_config.json', readFileSync(path.join(FIXTURE_MODEL, 'tokenizer_config.json'))),
  ];
}

/** `count` JSONL lines: four prompts, one short completion each (the prompt decides it), repeated. */
export function overfitDataset(count = 20): Payload {
  const completions = [' aaaa', ' bbbb', ' abab', ' baba'];
  const lines = Array.from({ length: count }, (_, i) =>
    JSON.stringify({ prompt: `Q${i % 4}:`, completion: completions[i % 4] }),
  );
  return { name: 'overfit.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n') + '\n') };
}
