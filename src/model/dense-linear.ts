/**
 * The unquantized base `Linear`: the f32 weight kept as a tensor, applied with a transposed matMul. It is the
 * default `LinearFactory` (exact scoring, reference for the quantized kernels in `src/quant`).
 */
import { tf, type Tensor1D, type Tensor2D } from '../backend/tf';
import { matMulFrozenT } from './frozen-matmul';
import type { Linear, LinearFactory } from './linear';

export class DenseLinear implements Linear {
  readonly mode = 'f32' as const;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly byteSize: number;
  private readonly weight: Tensor2D; // [out, in]
  readonly bias: Tensor1D | null; // [out]

  /** weight: [out, in] row-major as in the checkpoint; bias: [out] or null. Takes no ownership of the arrays. */
  constructor(weight: Float32Array, shape: readonly [number, number], bias: Float32Array | null) {
    const [out, inp] = shape;
    if (weight.length !== out * inp)
      throw new Error(`DenseLinear: weight has ${weight.length} values, shape [${out}, ${inp}]`);
    if (bias && bias.length !== out) throw new Error(`DenseLinear: bias has ${bias.length} values, expected ${out}`);
    this.outFeatures = out;
    this.inFeatures = inp;
    this.weight = tf.keep(tf.tensor2d(weight, [out, inp]));
    this.bias = bias ? tf.keep(tf.tensor1d(bias)) : null;
    this.byteSize = 4 * (out * inp + (bias ? out : 0));
  }

  /** x: [rows, in] → [rows, out]. Caller owns the result. */
  apply(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const y = matMulFrozenT(x, this.weight); // [rows, out]
      return (this.bias ? tf.add(y, this.bias) : y) as Tensor2D;
    });
  }

  weightRowNorms(): Promise<Float32Array> {
    return rowNorms(this.weight);
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}

/** `LinearFactory` building `DenseLinear`s (f32, no quantization). */
export const denseLinearFactory: LinearFactory = (_path, weight, shape, bias) => new DenseLinear(weight, shape, bias);

/** ‖W_o‖₂ of each row of a weight [out, in] on the backend, read back. */
export async function rowNorms(weight: Tensor2D): Promise<Float32Array> {
  const norms = tf.tidy(() => weight.square().sum(1).sqrt()); // [out]
  const out = (await norms.data()) as Float32Array;
  norms.dispose();
  return out;
}
