// GPU fault detection on a real WebGPU implementation: Dawn (`webgpu` package) on SwiftShader, in Node.
// Needs VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json (scripts/test.sh sets it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GpuError } from '../spec/errors';
import { installNodeWebGpu, nodeEngineDeps } from '../engine/deps.node.js';
import { LocalEngine } from '../engine/local-engine';
import { coreHandlers } from '../engine/handlers';
import type { EngineEvent } from '../protocol/messages';
import { GpuWatch, withGpuErrorScope } from './gpu-watch';
import { tf } from './tf';
import { currentGpuDevice } from './webgpu';

let gpu: GPU;
let device: GPUDevice;

beforeAll(async () => {
  gpu = await installNodeWebGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: is VK_ICD_FILENAMES set to SwiftShader?');
  device = await adapter.requestDevice();
});

afterAll(() => device?.destroy());

describe('withGpuErrorScope', () => {
  it('turns a validation error into a GpuError', async () => {
    const err = await withGpuErrorScope(device, () => {
      device.createBuffer({ size: 16, usage: 0xffff_ffff }); // invalid usage bits
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).fault).toBe('validation');
    expect((err as GpuError).detail).toMatch(/usage/i);
  });

  it('catches a buffer larger than the device allows, naming the limit', async () => {
    const size = device.limits.maxBufferSize * 2;
    const err = await withGpuErrorScope(device, () =>
      device.createBuffer({ size, usage: GPUBufferUsage.STORAGE }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).message).toMatch(/buffers up to 256 MiB/);
  });

  it('passes values and plain errors through when the GPU is fine', async () => {
    await expect(withGpuErrorScope(device, () => 42)).resolves.toBe(42);
    await expect(withGpuErrorScope(device, () => Promise.reject(new RangeError('x')))).rejects.toBeInstanceOf(
      RangeError,
    );
    // The scopes were balanced: a later error is still uncaptured-by-us, not swallowed by a leaked scope.
    device.pushErrorScope('validation');
    expect(await device.popErrorScope()).toBeNull();
  });
});

describe('GpuWatch', () => {
  it('reports errors that escaped every scope', async () => {
    const watch = new GpuWatch(device);
    const faults: string[] = [];
    watch.onFault((f) => faults.push(f.fault));
    device.createBuffer({ size: 16, usage: 0xffff_ffff });
    await waitFor(() => faults.length > 0);
    expect(faults).toEqual(['validation']);
    expect(watch.faultCount).toBe(1);
    watch.dispose();
  });

  it('treats our own destroy() as shutdown, not a fault', async () => {
    const adapter = await gpu.requestAdapter();
    const own = await adapter!.requestDevice();
    const watch = new GpuWatch(own);
    const faults: string[] = [];
    watch.onFault((f) => faults.push(f.fault));
    own.destroy();
    await waitFor(() => watch.lost !== null);
    expect(watch.lost?.reason).toBe('destroyed');
    expect(faults).toEqual([]);
  });
});

describe('LocalEngine on WebGPU (SwiftShader)', () => {
  it('auto picks wasm on a software adapter, and forced webgpu computes a correct matmul', async () => {
    const engine = new LocalEngine(nodeEngineDeps(gpu));
    const auto = await engine.request('init', { preference: 'auto' });
    expect(auto.backend).toBe('wasm');
    expect(auto.adapter?.software).toBe(true);
    expect(auto.reason).toMatch(/software WebGPU adapter/);
    const forced = await engine.request('init', { preference: 'webgpu' });
    expect(forced).toMatchObject({ backend: 'webgpu', reason: 'WebGPU chosen by the user' });
    expect(forced.adapter?.limits.maxBufferSize).toBeGreaterThan(0);
    const check = await engine.request('matmulCheck', { m: 4, k: 16, n: 4 });
    expect(check).toMatchObject({ backend: 'webgpu', ok: true });
  });

  it('fails the job with GpuError when a tfjs allocation exceeds the device (no stale result)', async () => {
    const events: EngineEvent[] = [];
    const engine = new LocalEngine(nodeEngineDeps(gpu), {
      ...coreHandlers,
      matmulCheck: {
        gpu: true,
        async run(_params, job) {
          // 2^28 + 2^26 floats = 1.25 GiB, above SwiftShader's 1 GiB maxBufferSize: tfjs would return zeros.
          const big = tf.fill([2 ** 28 + 2 ** 26], 1); // [n]
          const head = big.slice([0], [4]); // [4]
          const values = await head.data();
          tf.dispose([big, head]);
          job.log('info', `read ${values.length} values`);
          return { backend: 'webgpu', shape: [1, 1, 1], maxAbsDiff: 0, tolerance: 0, ok: true, millis: 0 };
        },
      },
    });
    engine.subscribe((e) => events.push(e));
    await engine.request('init', { preference: 'webgpu' });
    expect(currentGpuDevice()).not.toBeNull();
    const err = await engine.request('matmulCheck', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).fault).toBe('validation');
    // The engine keeps working after the fault.
    await expect(engine.request('env', {})).resolves.toMatchObject({ backend: { backend: 'webgpu' } });
  });
});

describe('LocalEngine fault watch', () => {
  it('turns an uncaptured GPU error into a gpuError event and a GpuError for the job in flight', async () => {
    const events: EngineEvent[] = [];
    const engine = new LocalEngine(nodeEngineDeps(gpu), {
      ...coreHandlers,
      // Not a `gpu` job, so no error scope: the fault escapes to the device's uncapturederror handler.
      storageEstimate: {
        gpu: false,
        run: (_params, job) =>
          new Promise((_resolve, reject) => {
            job.signal.addEventListener('abort', () => reject(job.signal.reason));
            currentGpuDevice()?.createBuffer({ size: 16, usage: 0xffff_ffff });
          }),
      },
    });
    engine.subscribe((e) => events.push(e));
    await engine.request('init', { preference: 'webgpu' });
    const err = await engine.request('storageEstimate', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuError);
    expect((err as GpuError).fault).toBe('validation');
    expect(events).toContainEqual(expect.objectContaining({ kind: 'gpuError', jobId: null, fault: 'validation' }));
  });
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
