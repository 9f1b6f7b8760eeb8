/**
 * PEFT adapters for a model folder (default the fixture model fixtures/models/llama-tied), written by the test
 * itself: random A and B (B non-zero, so the adapter changes the model's output) for every q/k/v/o/gate/up/down.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { zipSync } from 'fflate';
import { encodeSafetensors, type SafetensorsEntry } from '../src/formats/safetensors-write';
import { FIXTURE_MODEL } from './helpers';

interface FixtureConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim?: number;
}

const configOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as FixtureConfig;

/** [out, in] of each adapted projection of the model in `dir`. */
export function fixtureShapes(dir = FIXTURE_MODEL): Record<string, [number, number]> {
  const config = configOf(dir);
  const h = config.hidden_size;
  const headDim = config.head_dim ?? h / config.num_attention_heads;
  const q = headDim * config.num_attention_heads;
  const kv = headDim * config.num_key_value_heads;
  const i = config.intermediate_size;
  return {
    'self_attn.q_proj': [q, h],
    'self_attn.k_proj': [kv, h],
    'self_attn.v_proj': [kv, h],
    'self_attn.o_proj': [h, q],
    'mlp.gate_proj': [i, h],
    'mlp.up_proj': [i, h],
    'mlp.down_proj': [h, i],
  };
}

/** The two PEFT files of a rank-`rank` adapter for the model in `dir`, seeded; `scale` sizes the values. */
export function peftFiles(
  rank: number,
  seed: number,
  dir = FIXTURE_MODEL,
  scale = 1.5,
): { config: Buffer; weights: Buffer } {
  const config = configOf(dir);
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * scale;
  };
  const entries: SafetensorsEntry[] = [];
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    for (const [name, [out, inF]] of Object.entries(fixtureShapes(dir))) {
      const p = `base_model.model.model.layers.${layer}.${name}`;
      entries.push({
        name: `${p}.lora_A.weight`,
        dtype: 'F32',
        shape: [rank, inF],
        data: Float32Array.from({ length: rank * inF }, rand),
      });
      entries.push({
        name: `${p}.lora_B.weight`,
        dtype: 'F32',
        shape: [out, rank],
        data: Float32Array.from({ length: out * rank }, rand),
      });
    }
  }
  const peftConfig = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: null,
    r: rank,
    lora_alpha: 2 * rank,
    lora_dropout: 0,
    target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    bias: 'none',
    use_rslora: false,
  };
  return {
    config: Buffer.from(JSON.stringify(peftConfig)),
    weights: Buffer.from(encodeSafetensors(entries, { format: 'pt' })),
  };
}

/** A zipped PEFT folder `folder/` with both files. */
export function peftZip(folder: string, rank: number, seed: number): Buffer {
  const f = peftFiles(rank, seed);
  return Buffer.from(
    zipSync({
      [`${folder}/adapter_config.json`]: new Uint8Array(f.config),
      [`${folder}/adapter_model.safetensors`]: new Uint8Array(f.weights),
    }),
  );
}
