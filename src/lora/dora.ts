/**
 * DoRA (weight-decomposed LoRA, https://arxiv.org/abs/2402.09353) as PEFT computes it (`tuners/lora/dora.py`):
 *
 *   y = m / ‖W + s·B·A‖_row ⊙ (x·(W + s·B·A)ᵀ) + b
 *
 * with the norm taken per output feature over the input dimension and treated as a constant in the backward pass
 * (PEFT detaches it, section 4.3 of the paper). As a delta on the base output y₀ = x·Wᵀ + b:
 *
 *   delta = (g − 1) ⊙ (x·Wᵀ) + g ⊙ s·(x·Aᵀ·Bᵀ),   g = m / ‖W + s·B·A‖_row
 *
 * The norm never forms W + s·B·A ([out, in]; and W may be packed int4): row o of it squared is
 * ‖W_o‖² + 2s·Σ_k B_ok (A·Wᵀ)_ko + s²·B_o (A·Aᵀ) B_oᵀ, where A·Wᵀ is the frozen layer applied to the rank rows of A
 * (its own kernel, so on a quantized base it is the dequantized W, as PEFT's norm is) and ‖W_o‖ is read once.
 */
import { tf, type Tensor1D, type Tensor2D } from '../backend/tf';
import type { Linear } from '../model/linear';
import type { LinearSpec } from './config';
import type { LoraConfig } from '../spec/lora-config';
import { isTargeted } from './config';

/** The DoRA state of one module: the trainable magnitude and the constant squared row norms of W. */
export interface DoraParts {
  magnitude: tf.Variable<tf.Rank.R1>; // [out]
  weightNormSq: Tensor1D; // [out], owned by the module
}

/** x·Wᵀ of a frozen layer (its output without the bias). Caller owns the result. */
function withoutBias(linear: Linear, y: Tensor2D): Tensor2D {
  return linear.bias ? (y.sub(linear.bias) as Tensor2D) : y;
}

/** ‖W + s·B·A‖ per output row, [out], computed without a tape entry (callers treat it as a constant). */
function adaptedRowNorms(dora: DoraParts, a: Tensor2D, b: Tensor2D, scale: number, linear: Linear): Tensor1D {
  return tf.tidy(() => {
    const aw = withoutBias(linear, linear.apply(a)); // [rank, out] = A·Wᵀ
    const cross = b.mul(aw.transpose()).sum(1); // [out]: Σ_k B_ok (A·Wᵀ)_ko
    const quad = tf
      .matMul(b, tf.matMul(a, a, false, true))
      .mul(b)
      .sum(1); // [out]: B_o (A·Aᵀ) B_oᵀ
    const sq = dora.weightNormSq.add(cross.mul(2 * scale)).add(quad.mul(scale * scale)); // [out]
    return sq.maximum(0).sqrt() as Tensor1D;
  });
}

/**
 * g = m / ‖W + s·B·A‖_row, [out]. Differentiable in m only: the norm is computed inside a custom gradient (its
 * ops are not taped) and dg/dm = 1/norm, exactly PEFT's `weight_norm.detach()`. Caller owns the result.
 */
export function magnitudeScale(dora: DoraParts, a: Tensor2D, b: Tensor2D, scale: number, linear: Linear): Tensor1D {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const m = args[0] as Tensor1D;
    const norm = adaptedRowNorms(dora, a, b, scale, linear);
    (args[1] as tf.GradSaveFunc)([norm]);
    return { value: m.div(norm), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => dy.div(saved[0]) };
  });
  return op(dora.magnitude) as Tensor1D;
}

/**
 * The DoRA delta for one module: (g − 1) ⊙ (x_d·Wᵀ) + g ⊙ s·lora, [rows, out]. `lora` = x_d·Aᵀ·Bᵀ and `baseNoBias`
 * = x_d·Wᵀ for the (dropped-out) input x_d: PEFT recomputes the base product on the dropped input when dropout is
 * active. Caller owns the result.
 */
export function doraDelta(g: Tensor1D, baseNoBias: Tensor2D, lora: Tensor2D, scale: number): Tensor2D {
  return tf.tidy(() => baseNoBias.mul(g.sub(1)).add(lora.mul(g.mul(scale))) as Tensor2D);
}

/** x_d·Wᵀ for the hook: from the base output when x_d is the layer's own input, else one more base product. */
export function baseProductOf(linear: Linear, y: Tensor2D, x: Tensor2D, dropped: Tensor2D): Tensor2D {
  return dropped === x ? withoutBias(linear, y) : withoutBias(linear, linear.apply(dropped));
}

/**
 * Row norms of the base weight for every module a DoRA config targets (undefined for plain LoRA): the initial
 * magnitude of a new adapter and the constant part of the norm. Needs specs from a loaded model (`specsOf`).
 */
export async function doraRowNorms(
  config: LoraConfig,
  linears: readonly LinearSpec[],
  paths?: ReadonlySet<string>,
): Promise<Map<string, Float32Array> | undefined> {
  if (!config.useDora) return undefined;
  const out = new Map<string, Float32Array>();
  for (const spec of linears) {
    if (paths ? !paths.has(spec.path) : !isTargeted(config, spec.path)) continue;
    if (!spec.rowNorms) throw new Error(`DoRA needs the base weight of '${spec.path}' (load the base model first)`);
    out.set(spec.path, await spec.rowNorms());
  }
  return out;
}

/** Rows of w [out, in] rescaled in place to the norms `magnitude` [out]: the last step of folding DoRA. */
export function rescaleRows(w: Float32Array, inFeatures: number, magnitude: Float32Array): void {
  for (let o = 0; o < magnitude.length; o++) {
    let sq = 0;
    for (let i = o * inFeatures; i < (o + 1) * inFeatures; i++) sq += w[i] * w[i];
    const g = magnitude[o] / Math.sqrt(sq);
    for (let i = o * inFeatures; i < (o + 1) * inFeatures; i++) w[i] *= g;
  }
}

/**
 * W' = m / ‖W + s·B·A‖_row ⊙ (W + s·B·A): DoRA folded into a dense weight [out, in] (merged export). `w` is not
 * modified.
 */
export function foldDora(
  w: Float32Array,
  shape: readonly [number, number],
  a: Float32Array,
  b: Float32Array,
  rank: number,
  scale: number,
  magnitude: Float32Array,
): Float32Array {
  const [out, inp] = shape;
  const merged = Float32Array.from(w);
  for (let o = 0; o < out; o++) {
    for (let k = 0; k < rank; k++) {
      const c = scale * b[o * rank + k];
      for (let i = 0; i < inp; i++) merged[o * inp + i] += c * a[k * inp + i];
    }
  }
  rescaleRows(merged, inp, magnitude);
  return merged;
}
