/**
 * A tiny random Llama written by the test, sized for the demo's tokenizer (4096 tokens, ChatML template), so the
 * chat paths (chat-mode generation, chat datasets) run in the browser without the pretrained demo weights.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encodeSafetensors, type SafetensorsEntry } from '../src/formats/safetensors-write';

const TOKENIZER_DIR = path.resolve('public/models/lorastudio-demo');
const SHAPE = { hidden: 32, layers: 1, heads: 4, kvHeads: 2, intermediate: 64, vocab: 4096 };

/** config.json, model.safetensors and the demo's tokenizer files, as Playwright file payloads. */
export function tinyChatModelFiles(): { name: string; mimeType: string; buffer: Buffer }[] {
  let s = 12345;
  const rand = (n: number, scale: number) =>
    Float32Array.from({ length: n }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return (s / 2 ** 32 - 0.5) * 2 * scale;
    });
  const { hidden: h, intermediate: i, vocab: v } = SHAPE;
  const kv = (h / SHAPE.heads) * SHAPE.kvHeads;
  const t = (name: string, shape: number[], data: Float32Array): SafetensorsEntry => ({
    name,
    dtype: 'F32',
    shape,
    data,
  });
  const ones = (n: number) => new Float32Array(n).fill(1);
  const entries: SafetensorsEntry[] = [
    t('model.embed_tokens.weight', [v, h], rand(v * h, 1)),
    t('model.norm.weight', [h], ones(h)),
  ];
  for (let l = 0; l < SHAPE.layers; l++) {
    const p = `model.layers.${l}`;
    entries.push(
      t(`${p}.input_layernorm.weight`, [h], ones(h)),
      t(`${p}.post_attention_layernorm.weight`, [h], ones(h)),
      t(`${p}.self_attn.q_proj.weight`, [h, h], rand(h * h, 0.2)),
      t(`${p}.self_attn.k_proj.weight`, [kv, h], rand(kv * h, 0.2)),
      t(`${p}.self_attn.v_proj.weight`, [kv, h], rand(kv * h, 0.2)),
      t(`${p}.self_attn.o_proj.weight`, [h, h], rand(h * h, 0.2)),
      t(`${p}.mlp.gate_proj.weight`, [i, h], rand(i * h, 0.2)),
      t(`${p}.mlp.up_proj.weight`, [i, h], rand(i * h, 0.2)),
      t(`${p}.mlp.down_proj.weight`, [h, i], rand(h * i, 0.2)),
    );
  }
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: h,
    intermediate_size: i,
    num_hidden_layers: SHAPE.layers,
    num_attention_heads: SHAPE.heads,
    num_key_value_heads: SHAPE.kvHeads,
    vocab_size: v,
    max_position_embeddings: 512,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    tie_word_embeddings: true,
    hidden_act: 'silu',
    bos_token_id: 0,
    eos_token_id: 0,
  };
  const json = (name: string, body: Buffer) => ({ name, mimeType: 'application/json', buffer: body });
  return [
    json('config.json', Buffer.from(JSON.stringify(config))),
    {
      name: 'model.safetensors',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(encodeSafetensors(entries, { format: 'pt' })),
    },
    json('tokenizer.json', readFileSync(path.join(TOKENIZER_DIR, 'tokenizer.json'))),
    json('tokenizer_config.json', readFileSync(path.join(TOKENIZER_DIR, 'tokenizer_config.json'))),
  ];
}
