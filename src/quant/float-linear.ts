/** The f32 base: a plain float weight and tfjs's own matMul (its gradient w.r.t. x comes from tfjs). */
import { tf, type Tensor1D, type Tensor2D } from '../backend/tf';
import type { Linear } from '../model/linear';
import { assertFitsDevice } from './device-limits';

/** Unquantized frozen linear layer. */
export class FloatLinear implements Linear {
  readonly mode = 'f32' as const;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly byteSize: number;
  private readonly weight: Tensor2D; // [out, in]
  private readonly bias: Tensor1D | null; // [out]

  constructor(weight: Float32Array, shape: readonly [number, number], bias: Float32Array | null) {
    const [out, inp] = shape;
    if (weight.length !== out * inp) throw new Error(`FloatLinear: weight has ${weight.length} values, shape [${out}, ${inp}] needs ${out * inp}`);
    if (bias && bias.length !== out) throw new Error(`FloatLinear: bias has ${bias.length} values, expected ${out}`);
    assertFitsDevice(weight.byteLength, `weight [${out}, ${inp}] f32`);
    this.outFeatures = out;
    this.inFeatures = inp;
    this.weight = tf.tensor2d(weight, [out, inp]);
    this.bias = bias ? tf.tensor1d(bias) : null;
    this.byteSize = weight.byteLength + (bias ? bias.byteLength : 0);
  }

  apply(x: Tensor2D): Tensor2D {
    return tf.tidy(() => {
      const y = tf.matMul(x, this.weight, false, true); // [rows, out]
      return this.bias ? tf.add(y, this.bias) : y;
    }) as Tensor2D;
  }

  dispose(): void {
    this.weight.dispose();
    this.bias?.dispose();
  }
}
