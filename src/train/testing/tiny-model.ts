/**
 * Tiny Llama-family models for the training tests: a `ModelConfig`, random HF-named weights drawn from our seeded
 * RNG, and a `DecoderModel` built from any `name → tensor` map (random, or read from a PyTorch fixture) with
 * f32 `DenseLinear` bases.
 */
import { initNodeBackend } from '../../backend/node';
import { tf } from '../../backend/tf';
import type { ModelConfig } from '../../model/config';
import { DecoderModel } from '../../model/llama';
import { DenseLinear } from '../../model/dense-linear';
import { LINEAR_MODULE_NAMES, type LinearModuleName } from '../../spec/modules';
import { linearPath, type LayerWeights, type ModelWeights } from '../../model/weights';
import type { LinearSpec } from '../../lora/config';
import { LoraAdapter } from '../../lora/lora-adapter';
import type { LoraConfig } from '../../spec/lora-config';
import { Rng } from '../../util/rng';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export function tinyConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  return {
    family: 'llama',
    architecture: 'LlamaForCausalLM',
    hidden: 16,
    layers: 2,
    heads: 4,
    kvHeads: 2,
    headDim: 4,
    intermediate: 24,
    vocab: 32,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    tieWordEmbeddings: false,
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    qkNorm: false,
    maxPositionEmbeddings: 128,
    slidingWindow: null,
    bosTokenId: null,
    eosTokenIds: [],
    ...over,
  };
}

/** Output/input sizes of each projection. */
export function linearShape(c: ModelConfig, name: LinearModuleName): [out: number, inp: number] {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  const shapes: Record<LinearModuleName, [number, number]> = {
    q_proj: [q, c.hidden],
    k_proj: [kv, c.hidden],
    v_proj: [kv, c.hidden],
    o_proj: [c.hidden, q],
    gate_proj: [c.intermediate, c.hidden],
    up_proj: [c.intermediate, c.hidden],
    down_proj: [c.hidden, c.intermediate],
  };
  return shapes[name];
}

/** Every projection of the config as a LoRA `LinearSpec`. */
export function linearSpecs(c: ModelConfig): LinearSpec[] {
  const out: LinearSpec[] = [];
  for (let i = 0; i < c.layers; i++) {
    for (const name of LINEAR_MODULE_NAMES) {
      const [o, inp] = linearShape(c, name);
      out.push({ path: linearPath(i, name), inFeatures: inp, outFeatures: o });
    }
  }
  return out;
}

/** Random HF-named weights: N(0, 0.02²)·scale-free init like HF's `initializer_range`, norms near 1. */
export function randomWeights(c: ModelConfig, seed: number, std = 0.2): Map<string, NamedTensor> {
  const rng = new Rng(seed);
  const t = (shape: number[], fill?: number): NamedTensor => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = fill ?? rng.normal(0, std);
    return { shape, data };
  };
  const out = new Map<string, NamedTensor>();
  out.set('model.embed_tokens.weight', t([c.vocab, c.hidden]));
  for (let i = 0; i < c.layers; i++) {
    out.set(`model.layers.${i}.input_layernorm.weight`, t([c.hidden], 1));
    out.set(`model.layers.${i}.post_attention_layernorm.weight`, t([c.hidden], 1));
    for (const name of LINEAR_MODULE_NAMES) out.set(`${linearPath(i, name)}.weight`, t(linearShape(c, name)));
  }
  out.set('model.norm.weight', t([c.hidden], 1));
  if (!c.tieWordEmbeddings) out.set('lm_head.weight', t([c.vocab, c.hidden]));
  return out;
}

/** A `DecoderModel` over HF-named tensors (f32 dense bases). The caller disposes the model. */
export function buildModel(c: ModelConfig, w: ReadonlyMap<string, NamedTensor>): DecoderModel {
  const get = (name: string): NamedTensor => {
    const t = w.get(name);
    if (!t) throw new Error(`tiny model: missing tensor ${name}`);
    return t;
  };
  const vec = (name: string) => tf.keep(tf.tensor1d(get(name).data));
  const mat = (name: string) => tf.keep(tf.tensor2d(get(name).data, get(name).shape as [number, number]));
  const lin = (i: number, name: LinearModuleName) => {
    const t = get(`${linearPath(i, name)}.weight`);
    const bias = w.get(`${linearPath(i, name)}.bias`);
    return new DenseLinear(t.data, t.shape as [number, number], bias ? bias.data : null);
  };
  const layers: LayerWeights[] = [];
  for (let i = 0; i < c.layers; i++) {
    layers.push({
      inputNorm: vec(`model.layers.${i}.input_layernorm.weight`),
      postAttentionNorm: vec(`model.layers.${i}.post_attention_layernorm.weight`),
      q: lin(i, 'q_proj'),
      k: lin(i, 'k_proj'),
      v: lin(i, 'v_proj'),
      o: lin(i, 'o_proj'),
      gate: lin(i, 'gate_proj'),
      up: lin(i, 'up_proj'),
      down: lin(i, 'down_proj'),
      qNorm: null,
      kNorm: null,
    });
  }
  const weights: ModelWeights = {
    embed: mat('model.embed_tokens.weight'),
    layers,
    norm: vec('model.norm.weight'),
    lmHead: c.tieWordEmbeddings ? null : mat('lm_head.weight'),
  };
  return new DecoderModel(c, weights);
}

/**
 * A LoRA adapter over `specs` with A drawn from `seed` and B from N(0, std) under `seed + 1`: B non-zero, so the
 * adapter changes the output and gradients with respect to A are non-trivial. The caller disposes it.
 */
export async function randomAdapter(
  lora: LoraConfig,
  specs: readonly LinearSpec[],
  seed: number,
  std = 0.2,
): Promise<LoraAdapter> {
  const adapter = LoraAdapter.create(lora, specs, new Rng(seed));
  const w = await adapter.weights();
  const rng = new Rng(seed + 1);
  for (const m of w.values()) for (let i = 0; i < m.loraB.length; i++) m.loraB[i] = rng.normal(0, std);
  adapter.setWeights(w);
  return adapter;
}

/** Initialises the cpu backend and builds a random model of `config` from weights seeded with `seed`; the caller disposes it. */
export async function cpuTinyModel(config: ModelConfig, seed: number): Promise<DecoderModel> {
  await initNodeBackend('cpu');
  return buildModel(config, randomWeights(config, seed));
}
