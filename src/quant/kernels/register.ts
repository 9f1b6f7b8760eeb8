/**
 * The explicit registry of the quantized-base kernels: every (op, backend) pair is listed here. Registration is
 * idempotent and cheap, so `QuantLinear` calls it on construction; the webgpu kernels are registered even when
 * the webgpu backend is not loaded (tfjs only looks them up when that backend runs).
 */
import { tf } from '../../backend/tf';
import { hostKernelConfigs } from './host/quant-matmul-host';
import { QUANT_MATMUL, QUANT_MATMUL_INPUT_GRAD } from './names';
import { quantMatMulInputGradWebGPUConfig } from './webgpu/quant-matmul-input-grad-webgpu';
import { quantMatMulWebGPUConfig } from './webgpu/quant-matmul-webgpu';

const KERNEL_CONFIGS: tf.KernelConfig[] = [
  ...hostKernelConfigs('cpu', QUANT_MATMUL, QUANT_MATMUL_INPUT_GRAD),
  ...hostKernelConfigs('wasm', QUANT_MATMUL, QUANT_MATMUL_INPUT_GRAD),
  quantMatMulWebGPUConfig,
  quantMatMulInputGradWebGPUConfig,
];

let registered = false;

/** Registers QuantMatMul and QuantMatMulInputGrad for cpu, wasm and webgpu (once per tfjs instance). */
export function registerQuantKernels(): void {
  if (registered) return;
  for (const config of KERNEL_CONFIGS) {
    if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
  }
  registered = true;
}
