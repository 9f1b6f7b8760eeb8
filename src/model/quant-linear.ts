/**
 * `QuantLinear`: a frozen linear layer whose weight stays packed on its backend (an int32 tensor of packed
 * words + an f32 scales tensor, see `src/quant/packed.ts`). Forward and input gradient both run our own kernels
 * (`src/quant/kernels/`), which decode the weight on the fly: no float copy of W ever lives on the device.
 */
import { tf, type Tensor, type Tensor1D, type Tensor2D } from '../backend/tf';
import type { Linear } from './linear';
import { dequantize } from '../quant/dequantize';
import { assertFitsDevice } from '../quant/device-limits';
import { QUANT_MATMUL, QUANT_MATMUL_INPUT_GRAD, type QuantKernelAttrs } from '../quant/kernels/names';
import { registerQuantKernels } from '../quant/kernels/register';
import { assertPackedConsistent, packedLayout, type PackedMode, type PackedWeight } from '../quant/packed';

/** Frozen linear layer over a packed weight; `apply` is differentiable w.r.t. x only. */
export class QuantLinear implements Linear {
  readonly mode: PackedMode;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly byteSize: number;
  private readonly attrs: QuantKernelAttrs;
  private readonly words: Tensor2D; // [out, rowWords] int32 (u32 bits)
  private readonly scales: Tensor2D | null; // [out, groupsPerRow] f32; null for f16
  readonly bias: Tensor1D | null; // [out]
  private readonly op: (x: Tensor) => Tensor;

  constructor(packed: PackedWeight, bias: Float32Array | null) {
    assertPackedConsistent(packed);
    const { mode, outFeatures: out, inFeatures: inp, groupSize } = packed;
    if (bias && bias.length !== out) throw new Error(`QuantLinear: bias has ${bias.length} values, expected ${out}`);
    const l = packedLayout(mode, inp, groupSize);
    assertFitsDevice(packed.words.byteLength, `packed ${mode} weight [${out}, ${inp}]`);
    registerQuantKernels();
    this.mode = mode;
    this.inFeatures = inp;
    this.outFeatures = out;
    this.attrs = { mode, groupSize, inFeatures: inp, outFeatures: out };
    const bits = new Int32Array(packed.words.buffer, packed.words.byteOffset, packed.words.length);
    // tf.keep: the layer owns these until dispose(), even when it is built inside a caller's tf.tidy.
    this.words = tf.keep(tf.tensor2d(bits, [out, l.rowWords], 'int32'));
    this.scales = l.groupsPerRow ? tf.keep(tf.tensor2d(packed.scales, [out, l.groupsPerRow])) : null;
    this.bias = bias ? tf.keep(tf.tensor1d(bias)) : null;
    this.byteSize = packed.words.byteLength + packed.scales.byteLength + (bias ? bias.byteLength : 0);
    this.op = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
      const x = args[0] as Tensor; // [rows, in]
      return {
        value: this.run(QUANT_MATMUL, { x, ...this.weightInputs(), ...(this.bias ? { bias: this.bias } : {}) }),
        gradFunc: (dy: Tensor) => this.run(QUANT_MATMUL_INPUT_GRAD, { dy, ...this.weightInputs() }),
      };
    });
  }

  /** x [rows, in] → [rows, out]. The caller owns (disposes) the result. */
  apply(x: Tensor2D): Tensor2D {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`QuantLinear: input shape [${x.shape.join(', ')}] does not match [rows, ${this.inFeatures}]`);
    }
    if (x.dtype !== 'float32') throw new Error(`QuantLinear: input dtype ${x.dtype}, expected float32`);
    // No gradient being recorded (generation, scoring): the custom-gradient wrapper would only add bookkeeping.
    if (!tf.engine().isTapeOn())
      return this.run(QUANT_MATMUL, { x, ...this.weightInputs(), ...(this.bias ? { bias: this.bias } : {}) });
    return this.op(x) as Tensor2D;
  }

  /** Reads the packed weight back from the device (e.g. to cache it); resolves to fresh host arrays. */
  async readPacked(): Promise<PackedWeight> {
    const bits = (await this.words.data()) as Int32Array;
    const scales = this.scales ? ((await this.scales.data()) as Float32Array) : new Float32Array(0);
    const words = new Uint32Array(bits.buffer.slice(bits.byteOffset, bits.byteOffset + bits.byteLength));
    return { ...this.attrs, words, scales: new Float32Array(scales) };
  }

  /** Row norms of the dequantized weight (read back and decoded on the host once, row by row). */
  async weightRowNorms(): Promise<Float32Array> {
    const w = dequantize(await this.readPacked()); // [out, in]
    const norms = new Float32Array(this.outFeatures);
    for (let o = 0; o < this.outFeatures; o++) {
      let s = 0;
      for (let i = o * this.inFeatures; i < (o + 1) * this.inFeatures; i++) s += w[i] * w[i];
      norms[o] = Math.sqrt(s);
    }
    return norms;
  }

  dispose(): void {
    this.words.dispose();
    this.scales?.dispose();
    this.bias?.dispose();
  }

  private weightInputs(): tf.NamedTensorMap {
    return this.scales ? { words: this.words, scales: this.scales } : { words: this.words };
  }

  private run(kernel: string, inputs: tf.NamedTensorMap): Tensor2D {
    return tf.engine().runKernel(kernel, inputs, { ...this.attrs }) as Tensor2D;
  }
}
