/**
 * Engine environment for Node (CLI, tests): wasm binaries from the installed package, no browser storage, and
 * optionally Dawn's WebGPU (the `webgpu` package) for GPU tests.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { EngineDeps } from './job';

/** Folder holding tfjs-backend-wasm's .wasm files, with a trailing separator as setWasmPaths expects. */
export function nodeWasmDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

/** Deps for a LocalEngine in Node; pass `gpu` to let it see a WebGPU adapter, `openDb` for storage (fake-indexeddb). */
export function nodeEngineDeps(gpu: GPU | null = null, openDb: EngineDeps['openDb'] = null): EngineDeps {
  return { wasmPaths: nodeWasmDir(), gpu: () => gpu, crossOriginIsolated: false, storage: null, openDb };
}

/**
 * Installs Dawn's WebGPU globals (GPUBufferUsage, GPUValidationError, …) and returns its `GPU`. Tests run it with
 * VK_ICD_FILENAMES pointing at SwiftShader. Import-time side effect free: call it only in GPU tests.
 */
export async function installNodeWebGpu(): Promise<GPU> {
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu: GPU = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}
