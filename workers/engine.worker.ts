/**
 * The engine worker: owns tfjs and the GPU. A thin adapter: it supplies the browser environment (wasm binary URLs,
 * navigator.gpu, storage) to a LocalEngine and serves it over postMessage. All logic lives in src/engine.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { LocalEngine } from '../src/engine/local-engine';
import { serveEngine, type ServerEndpoint } from '../src/engine/serve';
import { getStudioDb } from '../src/storage';

const engine = new LocalEngine({
  wasmPaths: {
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd,
  },
  gpu: () => (typeof navigator !== 'undefined' && 'gpu' in navigator ? navigator.gpu : null),
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  storage: typeof navigator !== 'undefined' && navigator.storage ? navigator.storage : null,
  openDb: getStudioDb,
});

// The worker global scope, seen through the two-way interface serveEngine needs.
const scope: ServerEndpoint = {
  postMessage: (message, transfer) => postMessage(message, { transfer }),
  addEventListener: (type, listener) => addEventListener(type, listener),
  removeEventListener: (type, listener) => removeEventListener(type, listener),
};

serveEngine(scope, engine);
