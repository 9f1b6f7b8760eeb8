/**
 * `AddN` for the webgpu backend, replacing tfjs's own. tfjs's AddNPackedProgram binds all n inputs at once, so an
 * addN over more than `maxStorageBuffersPerShaderStage − 1` tensors (a gradient norm over 14 LoRA matrices: 15
 * bindings; WebGPU's default limit is 8, SwiftShader's adapter 12) makes an invalid pipeline. tfjs does not check
 * for that: the dispatch is dropped and the output buffer keeps stale data, so the sum was silently wrong.
 * Here the inputs are summed in chunks that always fit: the first chunk takes `limit − 1` inputs, each next one
 * the running partial plus `limit − 2` more.
 */
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { tf } from '../tf';
import { AddNChunkProgram } from './add-n-program';

/** WebGPU's guaranteed minimum for `maxStorageBuffersPerShaderStage`: what we assume when a device hides it. */
export const MIN_STORAGE_BUFFERS = 8;

/**
 * Inputs one program may bind on a device allowing `maxStorageBuffers` storage buffers per stage (one is the
 * output). Never below 2, so chunking always makes progress.
 */
export function addNChunkInputs(maxStorageBuffers: number): number {
  return Math.max(2, Math.floor(maxStorageBuffers) - 1);
}

/** The device's storage-buffer limit as the backend sees it. */
function storageBufferLimit(backend: WebGPUBackend): number {
  return backend.device?.limits?.maxStorageBuffersPerShaderStage ?? MIN_STORAGE_BUFFERS;
}

/**
 * Sums `inputs` (all one shape) on `backend`, never binding more than `chunk` inputs in one program.
 * Returns a new TensorInfo owned by the caller (tfjs's engine); intermediate partial sums are disposed here.
 */
export function chunkedAddN(backend: WebGPUBackend, inputs: tf.TensorInfo[], chunk: number): tf.TensorInfo {
  if (inputs.length === 1) {
    // Same as tfjs's Identity kernel: share the buffer, count one more reference.
    backend.incRef(inputs[0].dataId);
    return { dataId: inputs[0].dataId, shape: inputs[0].shape, dtype: inputs[0].dtype };
  }
  const dtype: tf.DataType = inputs.map((t) => t.dtype).reduce((a, b) => tf.upcastType(a, b));
  const shape = inputs[0].shape;
  let partial: tf.TensorInfo | null = null;
  let next = 0;
  while (next < inputs.length) {
    const take = Math.min(partial ? chunk - 1 : chunk, inputs.length - next);
    const group = partial ? [partial, ...inputs.slice(next, next + take)] : inputs.slice(next, next + take);
    next += take;
    // Every group has ≥ 2 members: the first takes min(chunk, n) ≥ 2 inputs, later ones the partial plus ≥ 1.
    const sum = backend.runWebGPUProgram(new AddNChunkProgram(shape, group.length), group, dtype);
    if (partial) backend.disposeData(partial.dataId);
    partial = sum;
  }
  return partial as tf.TensorInfo;
}

/** Kernel function: chunk size from the live device's limit. */
const addNWebGpu = ({ inputs, backend }: { inputs: tf.TensorInfo[]; backend: WebGPUBackend }): tf.TensorInfo =>
  chunkedAddN(backend, inputs, addNChunkInputs(storageBufferLimit(backend)));

/** Registry entry for `AddN` on 'webgpu'. */
export const addNWebGpuConfig: tf.KernelConfig = {
  kernelName: tf.AddN,
  backendName: 'webgpu',
  kernelFunc: addNWebGpu as unknown as tf.KernelFunc,
};
