/**
 * Backend set-up for Node (CLI, unit tests, fixture scripts). The wasm backend is the fast CPU path
 * (XNNPACK, SIMD); the pure-JS cpu backend is the last resort. WebGPU in Node is set up by the kernel
 * tests themselves through the `webgpu` (Dawn) package, not here.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerWasmKernelOverrides } from './kernels/register-wasm';
import { lightenGradients } from './lighter-gradients';
import { tf } from './tf';

export type NodeBackendName = 'wasm' | 'cpu';

let wasmPathsSet = false;

/** Selects `name` (default wasm, falling back to cpu) and returns the backend actually in use. */
export async function initNodeBackend(name: NodeBackendName = 'wasm'): Promise<NodeBackendName> {
  // Production mode silences tfjs's console banners ("Hi, looks like you are running TensorFlow.js in Node.js"),
  // which the CLI would otherwise print into its output.
  tf.enableProdMode();
  lightenGradients();
  if (name === 'wasm') {
    try {
      const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
      if (!wasmPathsSet) {
        const require = createRequire(import.meta.url);
        const entry = require.resolve('@tensorflow/tfjs-backend-wasm');
        // The .wasm binaries sit next to the package's dist bundle.
        setWasmPaths(path.dirname(entry) + path.sep);
        wasmPathsSet = true;
      }
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        // Transposed and batched matMuls on XNNPACK (stock wasm runs them in a scalar loop).
        registerWasmKernelOverrides();
        return 'wasm';
      }
    } catch {
      // fall through to cpu
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return 'cpu';
}
