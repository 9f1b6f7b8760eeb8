/**
 * The two custom ops of the quantized base, as registered with `tf.registerKernel` for webgpu, wasm and cpu.
 *
 *   QuantMatMul          inputs { x [M, in] f32, words [out, rowWords] i32, scales [out, groupsPerRow] f32
 *                                 (absent for f16), bias [out] f32 (optional) }           → y [M, out] = x·Wᵀ (+ b)
 *   QuantMatMulInputGrad inputs { dy [M, out] f32, words, scales }                         → dx [M, in] = dy·W
 *
 * `words`/`scales` follow the layout of `packed.ts` (int32 tensors carry the u32 bits unchanged).
 */
import type { tf } from '../../backend/tf';
import type { GroupSize, PackedMode } from '../packed';

export const QUANT_MATMUL = 'LoraStudioQuantMatMul';
export const QUANT_MATMUL_INPUT_GRAD = 'LoraStudioQuantMatMulInputGrad';

/** Attributes of both ops: everything needed to interpret the packed words. */
export interface QuantKernelAttrs {
  mode: PackedMode;
  groupSize: GroupSize;
  inFeatures: number;
  outFeatures: number;
}

/** Reads the attrs tfjs hands to a kernel function back into their typed form. */
export function quantAttrs(attrs: tf.NamedAttrMap | undefined): QuantKernelAttrs {
  if (!attrs) throw new Error('quant kernel: missing attributes');
  return {
    mode: attrs.mode as PackedMode,
    groupSize: attrs.groupSize as GroupSize,
    inFeatures: attrs.inFeatures as number,
    outFeatures: attrs.outFeatures as number,
  };
}

/** What tfjs hands every QuantMatMul / QuantMatMulInputGrad kernel function, on every backend. */
export interface QuantKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: object;
  attrs?: tf.NamedAttrMap;
}

/** The named input, or a clear error when the caller left it out. */
export function needInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`quant kernel: missing input '${name}'`);
  return t;
}
