// Backend choice without a GPU: adapter classification and the fallbacks' reasons (wasm/cpu in Node).
import { describe, expect, it } from 'vitest';
import { nodeWasmDir } from '../engine/deps.node.js';
import { isSoftwareAdapter, selectBackend } from './select';

function info(vendor: string, architecture: string, description = '', isFallbackAdapter = false): GPUAdapterInfo {
  // A plain object with GPUAdapterInfo's fields; only the fields the classifier reads matter.
  return {
    vendor,
    architecture,
    device: '',
    description,
    isFallbackAdapter,
    subgroupMinSize: 0,
    subgroupMaxSize: 0,
    __brand: 'GPUAdapterInfo',
  } as unknown as GPUAdapterInfo;
}

describe('isSoftwareAdapter', () => {
  it('recognises SwiftShader, llvmpipe and the fallback flag; not real GPUs', () => {
    expect(isSoftwareAdapter(info('google', 'swiftshader'))).toBe(true);
    expect(isSoftwareAdapter(info('mesa', '', 'llvmpipe (LLVM 15.0.6, 256 bits)'))).toBe(true);
    expect(isSoftwareAdapter(info('', '', '', true))).toBe(true);
    expect(isSoftwareAdapter(info('nvidia', 'ampere', 'NVIDIA GeForce RTX 3080'))).toBe(false);
    expect(isSoftwareAdapter(info('apple', 'metal-3'))).toBe(false);
    expect(isSoftwareAdapter(info('intel', 'gen-12lp'), true)).toBe(true);
  });
});

describe('selectBackend without a usable GPU', () => {
  const wasmPaths = nodeWasmDir();

  it('explains a missing adapter and an adapter request that throws', async () => {
    const none = { requestAdapter: async () => null } as unknown as GPU;
    const a = await selectBackend({ preference: 'auto', wasmPaths, gpu: none });
    expect(a).toMatchObject({ backend: 'wasm', reason: 'WebGPU found no GPU adapter; using wasm', adapter: null });
    const broken = {
      requestAdapter: async () => {
        throw new Error('driver blocklisted');
      },
    } as unknown as GPU;
    const b = await selectBackend({ preference: 'webgpu', wasmPaths, gpu: broken });
    expect(b.backend).toBe('wasm');
    expect(b.reason).toBe('WebGPU was requested but WebGPU adapter request failed: driver blocklisted; using wasm');
  });

  it('honours wasm and cpu overrides', async () => {
    expect(await selectBackend({ preference: 'wasm', wasmPaths })).toMatchObject({
      backend: 'wasm',
      reason: 'wasm chosen by the user',
    });
    const cpu = await selectBackend({ preference: 'cpu', wasmPaths });
    expect(cpu).toMatchObject({ backend: 'cpu', reason: 'cpu chosen by the user', threads: 1, wasm: null });
  });
});
