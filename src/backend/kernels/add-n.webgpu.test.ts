// AddN on WebGPU (Dawn on SwiftShader in Node; VK_ICD_FILENAMES as scripts/test.sh sets it). Reproduces tfjs's
// invalid pipeline for an addN over more inputs than the device has storage-buffer bindings, and checks that our
// chunked kernel sums right on a device with the adapter's raised limit and on one with WebGPU's default 8.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuError } from '../../spec/errors';
import { initDawnWebGpu } from '../../quant/webgpu-dawn.node.js';
import { withGpuErrorScope } from '../gpu-watch';
import { tf } from '../tf';
import { currentGpuDevice } from '../webgpu';
import { addNChunkInputs, addNWebGpuConfig } from './add-n-webgpu';
import { registerWebGpuKernelOverrides } from './register-webgpu';

let tfjsAddN: tf.KernelConfig;
let device: GPUDevice;

/** n tensors of `shape` with distinct values, and their exact sum computed in JS. */
function operands(n: number, shape: number[]): { tensors: tf.Tensor[]; sum: Float32Array } {
  const size = shape.reduce((a, b) => a * b, 1);
  const sum = new Float32Array(size);
  const tensors = Array.from({ length: n }, (_, k) => {
    const v = Float32Array.from({ length: size }, (_, i) => ((i * 7 + k * 13) % 17) - 8 + k / 4);
    v.forEach((x, i) => (sum[i] += x));
    return tf.tensor(v, shape);
  });
  return { tensors, sum };
}

async function scoped<T>(fn: () => Promise<T>): Promise<T> {
  return withGpuErrorScope(device, fn);
}

beforeAll(async () => {
  // tfjs's own kernel, kept to reproduce the bug: the package registers it on import.
  await import('@tensorflow/tfjs-backend-webgpu');
  tfjsAddN = { ...(tf.getKernel('AddN', 'webgpu') as tf.KernelConfig) };
  await initDawnWebGpu();
  device = currentGpuDevice() as GPUDevice;
}, 120_000);

afterAll(() => registerWebGpuKernelOverrides());

describe('addNChunkInputs', () => {
  it('leaves one binding for the output and always makes progress', () => {
    expect(addNChunkInputs(8)).toBe(7);
    expect(addNChunkInputs(12)).toBe(11);
    expect(addNChunkInputs(1)).toBe(2);
  });
});

describe('AddN on webgpu', () => {
  it('is our kernel after initWebGpuBackend, on a device with the adapter limit', () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(tf.getKernel('AddN', 'webgpu')?.kernelFunc).toBe(addNWebGpuConfig.kernelFunc);
    expect(device.limits.maxStorageBuffersPerShaderStage).toBeGreaterThanOrEqual(8);
  });

  it("the device has the adapter's limits, not WebGPU's defaults", async () => {
    const adapter = (await navigator.gpu.requestAdapter()) as GPUAdapter;
    const names = [
      'maxStorageBuffersPerShaderStage',
      'maxBufferSize',
      'maxStorageBufferBindingSize',
      'maxComputeWorkgroupStorageSize',
      'maxComputeInvocationsPerWorkgroup',
    ] as const;
    // (SwiftShader offers 12 storage buffers per stage; a device created without requiredLimits gets 8.)
    for (const name of names) expect(device.limits[name], name).toBe(adapter.limits[name]);
  });

  it("reproduces tfjs's kernel: 14 inputs make an invalid pipeline (validation error), ours does not", async () => {
    const { tensors, sum } = operands(14, [3, 5]);
    tf.unregisterKernel('AddN', 'webgpu');
    tf.registerKernel(tfjsAddN);
    try {
      const err = await scoped(async () => tf.addN(tensors).data()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GpuError);
      expect((err as GpuError).fault).toBe('validation');
      expect((err as GpuError).detail).toMatch(/storage buffers/i);
    } finally {
      registerWebGpuKernelOverrides();
    }
    const out = await scoped(async () => tf.addN(tensors).data());
    expect(Array.from(out)).toEqual(Array.from(sum));
    tf.dispose(tensors);
  });

  it.each([2, 11, 12, 14, 40])('sums %i inputs exactly, without leaking partial sums', async (n) => {
    const { tensors, sum } = operands(n, [67]); // not a multiple of the 64-wide workgroup
    const before = tf.memory().numTensors;
    const out = await scoped(async () => {
      const t = tf.addN(tensors);
      const v = await t.data();
      t.dispose();
      return v;
    });
    expect(Array.from(out)).toEqual(Array.from(sum));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(tensors);
  });

  it('gives the same gradient as cpu where one input feeds 14 addN terms (global-norm pattern)', async () => {
    const x0 = Float32Array.from({ length: 6 }, (_, i) => i / 3 - 0.7);
    const f = (x: tf.Tensor) =>
      tf
        .addN(
          Array.from({ length: 14 }, (_, k) =>
            x
              .mul(k + 1)
              .square()
              .sum(),
          ),
        )
        .sqrt();
    const run = () => tf.tidy(() => tf.grad(f)(tf.tensor(x0, [2, 3])));
    const gpu = await scoped(async () => run().data());
    await tf.setBackend('cpu');
    const cpu = await run().data();
    await tf.setBackend('webgpu');
    for (let i = 0; i < cpu.length; i++) expect(gpu[i]).toBeCloseTo(cpu[i], 5);
  });
});

describe('AddN on a device with the WebGPU default of 8 storage buffers', () => {
  it('sums 15 and 40 inputs in chunks of 7', async () => {
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    const adapter = await navigator.gpu.requestAdapter();
    const small = await (adapter as GPUAdapter).requestDevice(); // default limits
    expect(small.limits.maxStorageBuffersPerShaderStage).toBe(8);
    tf.registerBackend('webgpu-min-limits', () => new WebGPUBackend(small));
    // Kernels are looked up by backend name: serve ours under the test backend's name too.
    tf.registerKernel({ ...addNWebGpuConfig, backendName: 'webgpu-min-limits' });
    for (const k of ['Reshape', 'Identity', 'Cast'] as const) {
      const c = tf.getKernel(k, 'webgpu');
      if (c) tf.registerKernel({ ...c, backendName: 'webgpu-min-limits' });
    }
    expect(await tf.setBackend('webgpu-min-limits')).toBe(true);
    try {
      for (const n of [15, 40]) {
        const { tensors, sum } = operands(n, [2, 33]);
        const out = await withGpuErrorScope(small, async () => tf.addN(tensors).data());
        expect(Array.from(out)).toEqual(Array.from(sum));
        tf.dispose(tensors);
      }
    } finally {
      await tf.setBackend('webgpu');
      tf.removeBackend('webgpu-min-limits');
      small.destroy();
    }
  });
});
