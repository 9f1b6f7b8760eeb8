/**
 * Rotary position embeddings, HF convention ("rotate half"): the head dimension is split into two halves
 * [x1, x2] and rotated as (x1·cos − x2·sin, x2·cos + x1·sin), with frequency i shared by element i and i + d/2.
 * Checkpoints keep the HF q/k row order, so this (not the interleaved GPT-J form) is the one that matches them.
 */
import { tf, type Tensor2D, type Tensor4D } from '../backend/tf';
import type { ModelConfig, RopeScaling } from './config';

/**
 * Inverse frequencies θ^(−2i/d) for i < d/2, remapped by `rope_scaling`. Values are rounded to f32 like the
 * `inv_freq` buffer HF keeps, so angles match the reference to the last bit that matters.
 */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling: RopeScaling | null): Float64Array {
  const half = headDim / 2;
  const inv = new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / theta ** ((2 * i) / headDim);
  if (scaling?.type === 'linear') for (let i = 0; i < half; i++) inv[i] /= scaling.factor;
  if (scaling?.type === 'llama3') llama3Remap(inv, scaling);
  for (let i = 0; i < half; i++) inv[i] = Math.fround(inv[i]);
  return inv;
}

/**
 * Llama 3.1 frequency remap (HF `_compute_llama3_parameters`): long wavelengths are slowed by `factor`, short ones
 * kept, and the band between `high_freq_wavelen` and `low_freq_wavelen` interpolated smoothly.
 */
function llama3Remap(inv: Float64Array, s: Extract<RopeScaling, { type: 'llama3' }>): void {
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  for (let i = 0; i < inv.length; i++) {
    const wavelen = (2 * Math.PI) / inv[i];
    if (wavelen > lowFreqWavelen) {
      inv[i] = inv[i] / s.factor;
    } else if (wavelen >= highFreqWavelen) {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
}

/**
 * cos/sin tables for positions [0, length), one row per position, kept on the backend and grown (doubling) when a
 * longer sequence arrives. Owned by the model; `dispose()` frees them.
 */
export class RopeTables {
  private readonly inv: Float64Array;
  private cosTable: Tensor2D | null = null; // [length, headDim/2]
  private sinTable: Tensor2D | null = null; // [length, headDim/2]
  private length = 0;

  constructor(config: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>) {
    this.inv = ropeInverseFrequencies(config.headDim, config.ropeTheta, config.ropeScaling);
  }

  /** Tables covering at least `needed` positions: [length, half] each, owned by this object. */
  tables(needed: number): { cos: Tensor2D; sin: Tensor2D } {
    if (needed > this.length || !this.cosTable || !this.sinTable) this.grow(Math.max(needed, 2 * this.length, 64));
    return { cos: this.cosTable!, sin: this.sinTable! };
  }

  private grow(length: number): void {
    const half = this.inv.length;
    const cos = new Float32Array(length * half);
    const sin = new Float32Array(length * half);
    for (let p = 0; p < length; p++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * this.inv[i]); // HF multiplies positions by inv_freq in f32
        cos[p * half + i] = Math.cos(angle);
        sin[p * half + i] = Math.sin(angle);
      }
    }
    this.dispose();
    this.cosTable = tf.keep(tf.tensor2d(cos, [length, half]));
    this.sinTable = tf.keep(tf.tensor2d(sin, [length, half]));
    this.length = length;
  }

  dispose(): void {
    this.cosTable?.dispose();
    this.sinTable?.dispose();
    this.cosTable = this.sinTable = null;
    this.length = 0;
  }
}

/**
 * Rotates x: [batch, seq, heads, headDim] by cos/sin: [batch | 1, seq, 1, headDim/2] (broadcast over heads).
 * Caller owns the result.
 */
export function applyRope(x: Tensor4D, cos: Tensor4D, sin: Tensor4D): Tensor4D {
  return tf.tidy(() => {
    const half = x.shape[3] / 2;
    const [x1, x2] = tf.split(x, [half, half], 3); // [batch, seq, heads, half] each
    const r1 = tf.sub(tf.mul(x1, cos), tf.mul(x2, sin));
    const r2 = tf.add(tf.mul(x2, cos), tf.mul(x1, sin));
    return tf.concat([r1, r2], 3) as Tensor4D; // [batch, seq, heads, headDim]
  });
}
