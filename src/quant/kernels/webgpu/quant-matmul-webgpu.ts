/**
 * QuantMatMul on webgpu: GEMV for M ≤ 8 (decode, short prompts; its barrier-free variant on a software adapter), the
 * tiled program above. Tensor bookkeeping only.
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { tf } from '../../../backend/tf';
import { packedLayout, type PackedMode } from '../../packed';
import { needInput, QUANT_MATMUL, quantAttrs, type QuantKernelArgs } from '../names';
import { GEMV_MAX_ROWS, QuantGemvProgram } from './quant-gemv-webgpu';
import { QuantRowsProgram } from './quant-rows-webgpu';
import { QuantTiledProgram } from './quant-tiled-webgpu';
import { softwareAdapterKernels } from '../../../backend/adapter-kind';

/** The packed weight's inputs in binding order: words, then scales (none for f16). */
export function weightInputs(inputs: tf.NamedTensorInfoMap, mode: PackedMode): tf.TensorInfo[] {
  const words = needInput(inputs, 'words');
  return mode === 'f16' ? [words] : [words, needInput(inputs, 'scales')];
}

/** Runs a quant program to a float32 output; every quant program's uniforms are i32 sizes, in declaration order. */
export function runQuantProgram(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  uniforms: number[],
): tf.TensorInfo {
  return backend.runWebGPUProgram(
    program,
    inputs,
    'float32',
    uniforms.map((v) => ({ type: 'int32', data: [v] })),
  );
}

/** y [M, out] = x [M, in] · Wᵀ (+ bias). The caller (engine) owns the returned tensor. */
export function quantMatMulWebGPU(args: QuantKernelArgs): tf.TensorInfo {
  const a = quantAttrs(args.attrs);
  const backend = args.backend as WebGPUBackend;
  const x = needInput(args.inputs, 'x');
  const bias = args.inputs.bias;
  const weights = weightInputs(args.inputs, a.mode);
  const inputs = [x, ...weights, ...(bias ? [bias] : [])];
  const l = packedLayout(a.mode, a.inFeatures, a.groupSize);
  const m = x.shape[0];
  const rowVec4s = l.rowWords / 4;
  let program: WebGPUProgram;
  let uniforms: number[];
  if (m <= GEMV_MAX_ROWS) {
    // Same inputs and uniforms; a software adapter runs the barrier-free variant (quant-rows-webgpu.ts).
    program = softwareAdapterKernels(backend)
      ? new QuantRowsProgram(a.mode, m, a.inFeatures, a.outFeatures, !!bias)
      : new QuantGemvProgram(a.mode, m, a.inFeatures, a.outFeatures, !!bias);
    uniforms = [m, a.inFeatures, a.outFeatures, rowVec4s, l.groupsPerRow, a.groupSize];
  } else {
    program = new QuantTiledProgram('forward', a.mode, m, a.outFeatures, !!bias);
    uniforms = [m, a.inFeatures, a.outFeatures, a.outFeatures, rowVec4s, l.groupsPerRow, a.groupSize];
  }
  return runQuantProgram(backend, program, inputs, uniforms);
}

export const quantMatMulWebGPUConfig: tf.KernelConfig = {
  kernelName: QUANT_MATMUL,
  backendName: 'webgpu',
  kernelFunc: quantMatMulWebGPU,
};
