/**
 * Full-parameter training on the project's own engine: the same `DecoderModel` forward that serves LoRA, built over
 * f32 `tf.Variable`s instead of frozen checkpoint weights. Each projection is a `TrainableLinear` (a plain
 * transposed matMul, so tfjs differentiates it w.r.t. both input and weight); embeddings and norms are variables
 * too, and the whole set is named with Hugging Face keys so saving is a one-to-one map to safetensors.
 */
import { tf, type Tensor2D } from '../../src/backend/tf';
import { encodeSafetensors } from '../../src/formats/safetensors-write';
import type { ModelConfig } from '../../src/model/config';
import { DecoderModel } from '../../src/model/llama';
import { rowNorms } from '../../src/model/dense-linear';
import type { Linear } from '../../src/model/linear';
import { linearPath, type LayerWeights } from '../../src/model/weights';
import { Rng } from '../../src/util/rng';

/** A Linear whose weight [out, in] is a trainable variable (no bias: Llama has none). */
export class TrainableLinear implements Linear {
  readonly mode = 'f32' as const;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly byteSize: number;
  readonly bias = null;

  constructor(readonly weight: tf.Variable<tf.Rank.R2>) {
    [this.outFeatures, this.inFeatures] = weight.shape;
    this.byteSize = 4 * weight.size;
  }

  /** x: [rows, in] → [rows, out]; differentiable w.r.t. x and the weight. Caller owns the result. */
  apply(x: Tensor2D): Tensor2D {
    return tf.matMul(x, this.weight, false, true); // [rows, out]
  }

  weightRowNorms(): Promise<Float32Array> {
    return rowNorms(this.weight);
  }

  dispose(): void {
    this.weight.dispose();
  }
}

/** The model plus its trainable variables by HF tensor name. */
export interface TrainableModel {
  model: DecoderModel;
  variables: Map<string, tf.Variable>;
}

function normal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal(0, std); // seeded: the same seed gives the same initial model
  return out;
}

/**
 * Builds a randomly initialised trainable Llama (HF init: N(0, 0.02) weights, ones for norms; residual output
 * projections o_proj/down_proj scaled by 1/√(2·layers) as in GPT-2, which keeps early training stable).
 * Only tied-embedding Llama configs without biases or qk-norm are supported (what the demo model is).
 */
export function createTrainableModel(config: ModelConfig, seed: number): TrainableModel {
  if (!config.tieWordEmbeddings || config.qkvBias || config.qkNorm || config.mlpBias || config.oBias) {
    throw new Error('createTrainableModel: only tied, bias-free Llama configs');
  }
  const rng = new Rng(seed);
  const variables = new Map<string, tf.Variable>();
  const mat = (name: string, rows: number, cols: number, std: number): tf.Variable<tf.Rank.R2> => {
    const v = tf.variable(tf.tensor2d(normal(rng, rows * cols, std), [rows, cols]), true); // [rows, cols]
    variables.set(name, v);
    return v;
  };
  const ones = (name: string, n: number): tf.Variable<tf.Rank.R1> => {
    const v = tf.variable(tf.ones([n]) as tf.Tensor1D, true);
    variables.set(name, v);
    return v;
  };
  const { hidden, heads, kvHeads, headDim, intermediate, vocab, layers } = config;
  const std = 0.02;
  const residualStd = std / Math.sqrt(2 * layers);
  const embed = mat('model.embed_tokens.weight', vocab, hidden, std);
  const layerWeights: LayerWeights[] = [];
  for (let i = 0; i < layers; i++) {
    const lin = (name: string, out: number, inp: number, s = std): TrainableLinear =>
      new TrainableLinear(mat(`${linearPath(i, name)}.weight`, out, inp, s));
    layerWeights.push({
      inputNorm: ones(`model.layers.${i}.input_layernorm.weight`, hidden),
      postAttentionNorm: ones(`model.layers.${i}.post_attention_layernorm.weight`, hidden),
      q: lin('q_proj', heads * headDim, hidden),
      k: lin('k_proj', kvHeads * headDim, hidden),
      v: lin('v_proj', kvHeads * headDim, hidden),
      o: lin('o_proj', hidden, heads * headDim, residualStd),
      gate: lin('gate_proj', intermediate, hidden),
      up: lin('up_proj', intermediate, hidden),
      down: lin('down_proj', hidden, intermediate, residualStd),
      qNorm: null,
      kNorm: null,
    });
  }
  const norm = ones('model.norm.weight', hidden);
  const model = new DecoderModel(config, { embed, layers: layerWeights, norm, lmHead: null });
  return { model, variables };
}

/** Overwrites the variables with saved values (resume from a checkpoint). */
export function assignVariables(variables: Map<string, tf.Variable>, values: Record<string, Float32Array>): void {
  for (const [name, v] of variables) {
    const data = values[name];
    if (!data || data.length !== v.size) throw new Error(`checkpoint lacks ${name} or has the wrong size`);
    v.assign(tf.tensor(data, v.shape));
  }
}

/** The variables as a safetensors file in HF layout (sorted keys, F32 or F16). */
export async function saveSafetensors(
  variables: Map<string, tf.Variable>,
  dtype: 'F32' | 'F16',
  metadata: Record<string, string>,
): Promise<Uint8Array> {
  const names = [...variables.keys()].sort();
  const entries = [];
  for (const name of names) {
    const v = variables.get(name)!;
    entries.push({ name, dtype, shape: v.shape, data: (await v.data()) as Float32Array });
  }
  return encodeSafetensors(entries, metadata);
}
