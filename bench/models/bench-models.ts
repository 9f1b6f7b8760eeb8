/**
 * The three bench models, Llama architecture with random weights generated in the worker (no download):
 * `tiny` (seconds even on SwiftShader), `small` (demo-model sized) and `smollm2-135m` (SmolLM2-135M's published
 * shapes). Built through the product's own pieces — `DecoderModel` over `Linear`s from the quant factory — so
 * what is timed is exactly what the studio runs.
 */
import { tf, type Tensor1D, type Tensor2D } from '../../src/backend/tf';
import { DecoderModel, linearPath, parseModelConfig, type LinearFactory, type ModelConfig } from '../../src/model';
import { layerLinearShapes, linearParameters } from '../../src/model/memory-estimate';
import type { LayerWeights, ModelWeights } from '../../src/model/weights';
import type { BenchModelName } from '../core/types';
import { loraParams } from '../core/flops';
import { uniform } from '../core/random';
import type { DemoShape } from '../../scripts/demo-model/demo-config';

/** HF-style config.json of each bench model. */
export const BENCH_MODEL_CONFIGS: Record<BenchModelName, Record<string, unknown>> = {
  tiny: llama({ hidden: 64, layers: 2, heads: 4, kvHeads: 2, intermediate: 176, vocab: 512 }),
  small: llama({ hidden: 256, layers: 4, heads: 4, kvHeads: 2, intermediate: 768, vocab: 4096 }),
  // https://huggingface.co/HuggingFaceTB/SmolLM2-135M/blob/main/config.json
  'smollm2-135m': llama({
    hidden: 576,
    layers: 30,
    heads: 9,
    kvHeads: 3,
    intermediate: 1536,
    vocab: 49152,
    ropeTheta: 100000,
  }),
};

function llama(s: Omit<DemoShape, 'context'> & { ropeTheta?: number }) {
  return {
    model_type: 'llama',
    architectures: ['LlamaForCausalLM'],
    hidden_size: s.hidden,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    intermediate_size: s.intermediate,
    vocab_size: s.vocab,
    rms_norm_eps: 1e-5,
    rope_theta: s.ropeTheta ?? 10000,
    tie_word_embeddings: true,
    max_position_embeddings: 2048,
    hidden_act: 'silu',
  };
}

export function benchModelConfig(name: BenchModelName): ModelConfig {
  return parseModelConfig(BENCH_MODEL_CONFIGS[name], `bench model ${name}`);
}

/** Parameters in matmuls of a forward pass: every projection plus the LM head (tied or not). */
export function matmulParameters(c: ModelConfig): number {
  return linearParameters(c) + c.vocab * c.hidden;
}

/** LoRA parameters of an all-linear adapter of `rank` on `c`. */
export function allLinearLoraParameters(c: ModelConfig, rank: number): number {
  return c.layers * layerLinearShapes(c).reduce((a, l) => a + loraParams(l.shape[1], l.shape[0], rank), 0);
}

/** Host-side random weights of one bench model, shared by our model and the naive peer. */
export interface RandomWeights {
  embed: Float32Array; // [vocab, hidden]
  /** Per layer, per projection name: [out, in] row-major. */
  linears: Map<string, Float32Array>[];
}

/** Deterministic random weights: embedding U(±0.05), projections U(±1/√in) (keeps activations O(1)). */
export function randomWeights(c: ModelConfig, seed = 1): RandomWeights {
  const embed = uniform(c.vocab * c.hidden, seed, 0.05);
  const linears: Map<string, Float32Array>[] = [];
  for (let i = 0; i < c.layers; i++) {
    const m = new Map<string, Float32Array>();
    layerLinearShapes(c).forEach((l, j) => {
      const [out, inp] = l.shape;
      m.set(l.name, uniform(out * inp, seed * 7919 + i * 31 + j, 1 / Math.sqrt(inp)));
    });
    linears.push(m);
  }
  return { embed, linears };
}

/** A `DecoderModel` over `w` whose projections come from `factory` (f32 or packed). Caller disposes it. */
export function buildModel(c: ModelConfig, w: RandomWeights, factory: LinearFactory): DecoderModel {
  const ones = (): Tensor1D => tf.ones([c.hidden]) as Tensor1D;
  const layers: LayerWeights[] = w.linears.map((m, i) => {
    const lin = (name: string) => {
      const shape = layerLinearShapes(c).find((l) => l.name === name)!.shape;
      return factory(linearPath(i, name), m.get(name)!, shape, null);
    };
    return {
      inputNorm: ones(),
      postAttentionNorm: ones(),
      q: lin('q_proj'),
      k: lin('k_proj'),
      v: lin('v_proj'),
      o: lin('o_proj'),
      gate: lin('gate_proj'),
      up: lin('up_proj'),
      down: lin('down_proj'),
      qNorm: null,
      kNorm: null,
    };
  });
  const weights: ModelWeights = {
    embed: tf.tensor2d(w.embed, [c.vocab, c.hidden]) as Tensor2D,
    layers,
    norm: ones(),
    lmHead: null,
  };
  return new DecoderModel(c, weights);
}
