/**
 * Rotary position embeddings, HF convention ("rotate half"): the head dimension is split into two halves
 * [x1, x2] and rotated as (x1·cos − x2·sin, x2·cos + x1·sin), with frequency i shared by element i and i + d/2.
 * Checkpoints keep the HF q/k row order, so this (not the interleaved GPT-J form) is the one that matches them.
 */
import { tf, type Tensor2D, type Tensor3D, type Tensor4D } from '../backend/tf';
import type { ModelConfig, RopeScaling } from './config';
import { matMulFrozenT } from './frozen-matmul';

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
      const smooth =
        (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      inv[i] = (1 - smooth) * (inv[i] / s.factor) + smooth * inv[i];
    }
  }
}

/**
 * cos/sin tables for positions [0, length), one row per position with each frequency written twice
 * ([cos θ, cos θ] over the two halves, as HF's `emb = cat(freqs, freqs)`), kept on the backend and grown (doubling)
 * when a longer sequence arrives; plus the rotate-half map as a matrix. Owned by the model; `dispose()` frees them.
 */
export class RopeTables {
  private readonly inv: Float64Array;
  private cosTable: Tensor2D | null = null; // [length, headDim]
  private sinTable: Tensor2D | null = null; // [length, headDim]
  private rotation: Tensor2D | null = null; // [headDim, headDim]
  private length = 0;

  constructor(config: Pick<ModelConfig, 'headDim' | 'ropeTheta' | 'ropeScaling'>) {
    this.inv = ropeInverseFrequencies(config.headDim, config.ropeTheta, config.ropeScaling);
  }

  /** Tables covering at least `needed` positions ([length, headDim] each) and the rotation; owned by this object. */
  tables(needed: number): { cos: Tensor2D; sin: Tensor2D; rotation: Tensor2D } {
    if (needed > this.length || !this.cosTable || !this.sinTable) this.grow(Math.max(needed, 2 * this.length, 64));
    this.rotation ??= tf.keep(rotateHalfMatrix(2 * this.inv.length));
    return { cos: this.cosTable!, sin: this.sinTable!, rotation: this.rotation };
  }

  /**
   * RoPE at each of `positions` as a matrix, times `scale`: rope(x)·scale = x · M[p] for a row x [headDim] at
   * position p, with M = (diag(cos) + Rᵀ·diag(sin))·scale where x·Rᵀ = rotate_half(x). Returned on the host,
   * [positions.length, headDim, headDim] row-major. Decoding rotates one token per row, and one matMul with M
   * replaces `applyRope`'s rotate, two products and sum; each output is x_j·cos_j ± x_{j±d/2}·sin_j plus exact
   * zeros, the same two products and one addition as `applyRope`.
   */
  matrices(positions: ArrayLike<number>, scale = 1): Float32Array {
    const half = this.inv.length;
    const dim = 2 * half;
    const out = new Float32Array(positions.length * dim * dim);
    for (let n = 0; n < positions.length; n++) {
      const base = n * dim * dim;
      for (let j = 0; j < half; j++) {
        const angle = Math.fround(positions[n] * this.inv[j]); // as in grow(): HF multiplies in f32
        const cos = Math.fround(Math.cos(angle)) * scale;
        const sin = Math.fround(Math.sin(angle)) * scale;
        out[base + j * dim + j] = cos; // out j ← x_j·cos
        out[base + (j + half) * dim + j] = -sin; // out j ← −x_{j+d/2}·sin
        out[base + (j + half) * dim + j + half] = cos; // out j+d/2 ← x_{j+d/2}·cos
        out[base + j * dim + j + half] = sin; // out j+d/2 ← x_j·sin
      }
    }
    return out;
  }

  /**
   * cos/sin of the new tokens, [batch | 1, seq, 1, headDim] each (broadcast over heads): at `positions` (per row,
   * [batch·seq], when padding shifts them) or at past .. past + seq − 1 for every row. Caller owns cos and sin; the
   * rotation stays owned by the tables.
   */
  forTokens(
    batch: number,
    seq: number,
    past: number,
    positions: Int32Array | null,
  ): { cos: Tensor4D; sin: Tensor4D; rotation: Tensor2D } {
    const { cos: cosTable, sin: sinTable, rotation } = this.tables(past + seq);
    const dim = 2 * this.inv.length;
    const rows = tf.tidy(() => {
      if (!positions) {
        const cos = cosTable.slice([past, 0], [seq, dim]).reshape([1, seq, 1, dim]) as Tensor4D;
        return { cos, sin: sinTable.slice([past, 0], [seq, dim]).reshape([1, seq, 1, dim]) as Tensor4D };
      }
      const pos = tf.tensor1d(positions, 'int32'); // [batch·seq]
      const cos = tf.gather(cosTable, pos).reshape([batch, seq, 1, dim]) as Tensor4D;
      return { cos, sin: tf.gather(sinTable, pos).reshape([batch, seq, 1, dim]) as Tensor4D };
    });
    return { ...rows, rotation };
  }

  /**
   * RoPE of one new token per row at `positions` as [rows, headDim, headDim] matrices (one shared matrix when every
   * row is at the same position), q's carrying the 1/√headDim score scale. Caller owns them.
   */
  decodeMatrices(positions: ArrayLike<number>): { q: Tensor3D; k: Tensor3D } {
    const dim = 2 * this.inv.length;
    const same = Array.prototype.every.call(positions, (p: number) => p === positions[0]);
    const at = same ? [positions[0]] : positions;
    const q = tf.tensor3d(this.matrices(at, 1 / Math.sqrt(dim)), [at.length, dim, dim]);
    const k = tf.tensor3d(this.matrices(at), [at.length, dim, dim]);
    return { q, k };
  }

  private grow(length: number): void {
    const half = this.inv.length;
    const dim = 2 * half;
    const cos = new Float32Array(length * dim);
    const sin = new Float32Array(length * dim);
    for (let p = 0; p < length; p++) {
      for (let i = 0; i < half; i++) {
        const angle = Math.fround(p * this.inv[i]); // HF multiplies positions by inv_freq in f32
        cos[p * dim + i] = cos[p * dim + half + i] = Math.cos(angle);
        sin[p * dim + i] = sin[p * dim + half + i] = Math.sin(angle);
      }
    }
    this.cosTable?.dispose();
    this.sinTable?.dispose();
    this.cosTable = tf.keep(tf.tensor2d(cos, [length, dim]));
    this.sinTable = tf.keep(tf.tensor2d(sin, [length, dim]));
    this.length = length;
  }

  dispose(): void {
    this.cosTable?.dispose();
    this.sinTable?.dispose();
    this.rotation?.dispose();
    this.cosTable = this.sinTable = this.rotation = null;
    this.length = 0;
  }
}

/**
 * W [dim, dim] with x·Wᵀ = rotate_half(x) = [−x₂, x₁], stored in the [out, in] layout `matMulFrozenT` takes.
 * Entries are 0/±1, so the product is exact.
 */
export function rotateHalfMatrix(dim: number): Tensor2D {
  const half = dim / 2;
  const w = new Float32Array(dim * dim);
  for (let j = 0; j < half; j++) {
    w[j * dim + j + half] = -1; // out j < half takes −x[j + half]
    w[(j + half) * dim + j] = 1; // out j + half takes x[j]
  }
  return tf.tensor2d(w, [dim, dim]);
}

/**
 * Rotates x: [batch, seq, heads, headDim] by cos/sin: [batch | 1, seq, 1, headDim] (broadcast over heads):
 * x·cos + rotate_half(x)·sin, with rotate_half as one exact matMul (4 kernels instead of split/concat's 9, which
 * matters for WebGPU dispatch counts in decoding). Caller owns the result.
 */
export function applyRope(x: Tensor4D, cos: Tensor4D, sin: Tensor4D, rotation: Tensor2D): Tensor4D {
  return tf.tidy(() => {
    const dim = x.shape[3];
    const rotated = matMulFrozenT(x.reshape([-1, dim]) as Tensor2D, rotation).reshape(x.shape); // [batch, seq, heads, headDim]
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as Tensor4D;
  });
}
