/**
 * PEFT adapters for the fixture model, written by the test itself: random A and B (B non-zero, so the adapter
 * changes the model's output) for every q/k/v/o/gate/up/down of fixtures/models/llama-tied.
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
}

const config = JSON.parse(readFileSync(path.join(FIXTURE_MODEL, 'config.json'), 'utf8')) as FixtureConfig;

/** [out, in] of each adapted projection. */
export function fixtureShapes(): Record<string, [number, number]> {
  const h = config.hidden_size;
  const kv = (h / config.num_attention_heads) * config.num_key_value_heads;
  const i = config.intermediate_size;
  return {
    'self_attn.q_proj': [h, h],
    'self_attn.k_proj': [kv, h],
    'self_attn.v_proj': [kv, h],
    'self_attn.o_proj': [h, h],
    'mlp.gate_proj': [i, h],
    'mlp.up_proj': [i, h],
    'mlp.down_proj': [h, i],
  };
}

/** The two PEFT files of a rank-`rank` adapter, seeded. */
export function peftFiles(rank: number, seed: number): { config: Buffer; weights: Buffer } {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * 1.5;
  };
  const entries: SafetensorsEntry[] = [];
  for (let layer = 0; layer < config.num_hidden_layers; layer++) {
    for (const [name, [out, inF]] of Object.entries(fixtureShapes())) {
      const p = `base_model.model.model.layers.${layer}.${name}`;
      entries.push({ name: `${p}.lora_A.weight`, dtype: 'F32', shape: [rank, inF], data: Float32Array.from({ length: rank * inF }, rand) });
      entries.push({ name: `${p}.lora_B.weight`, dtype: 'F32', shape: [out, rank], data: Float32Array.from({ length: out * rank }, rand) });
    }
  }
  const peftConfig = {
    peft_type: 'LORA', task_type: 'CAUSAL_LM', base_model_name_or_path: null, r: rank, lora_alpha: 2 * rank, lora_dropout: 0,
    target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'], bias: 'none', use_rslora: false,
  };
  return { config: Buffer.from(JSON.stringify(peftConfig)), weights: Buffer.from(encodeSafetensors(entries, { format: 'pt' })) };
}

/** A zipped PEFT folder `folder/` with both files. */
export function peftZip(folder: string, rank: number, seed: number): Buffer {
  const f = peftFiles(rank, seed);
  return Buffer.from(zipSync({ [`${folder}/adapter_config.json`]: new Uint8Array(f.config), [`${folder}/adapter_model.safetensors`]: new Uint8Array(f.weights) }));
}
