/**
 * QuantMatMulInputGrad on webgpu: column-GEMV for M = 1, the tiled program for M > 1; on a software adapter the
 * barrier-free program for M ≤ 8 (quant-rows-webgpu.ts).
 */
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { tf } from '../../../backend/tf';
import { packedLayout } from '../../packed';
import { needInput, QUANT_MATMUL_INPUT_GRAD, quantAttrs, type QuantKernelArgs } from '../names';
import { QuantGemvTProgram } from './quant-gemv-t-webgpu';
import { runQuantProgram, weightInputs } from './quant-matmul-webgpu';
import { QUANT_ROWS_MAX, QuantRowsTProgram } from './quant-rows-webgpu';
import { QuantTiledProgram } from './quant-tiled-webgpu';
import { softwareAdapterKernels } from '../../../backend/adapter-kind';

/** dx [M, in] = dy [M, out] · W. The caller (engine) owns the returned tensor. */
export function quantMatMulInputGradWebGPU(args: QuantKernelArgs): tf.TensorInfo {
  const a = quantAttrs(args.attrs);
  const backend = args.backend as WebGPUBackend;
  const dy = needInput(args.inputs, 'dy');
  const weights = weightInputs(args.inputs, a.mode);
  const l = packedLayout(a.mode, a.inFeatures, a.groupSize);
  const m = dy.shape[0];
  let program: WebGPUProgram;
  let uniforms: number[];
  if (m <= QUANT_ROWS_MAX && softwareAdapterKernels(backend)) {
    program = new QuantRowsTProgram(a.mode, m, a.inFeatures);
    uniforms = [m, a.inFeatures, a.outFeatures, l.rowWords / 4, l.groupsPerRow, a.groupSize];
  } else if (m === 1) {
    program = new QuantGemvTProgram(a.mode, a.inFeatures, l.rowWords);
    uniforms = [a.inFeatures, a.outFeatures, l.rowWords, l.groupsPerRow, a.groupSize];
  } else {
    program = new QuantTiledProgram('inputGrad', a.mode, m, a.inFeatures, false);
    uniforms = [m, a.outFeatures, a.inFeatures, a.outFeatures, l.rowWords / 4, l.groupsPerRow, a.groupSize];
  }
  return runQuantProgram(backend, program, [dy, ...weights], uniforms);
}

export const quantMatMulInputGradWebGPUConfig: tf.KernelConfig = {
  kernelName: QUANT_MATMUL_INPUT_GRAD,
  backendName: 'webgpu',
  kernelFunc: quantMatMulInputGradWebGPU,
};
