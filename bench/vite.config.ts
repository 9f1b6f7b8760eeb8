/**
 * Vite config for the bench page only (bench/index.html + bench.worker.ts), so the app's build is untouched.
 * COOP/COEP make the page cross-origin isolated, which wasm threads (SharedArrayBuffer) and
 * performance.measureUserAgentSpecificMemory need.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: benchDir,
  // The page imports the engine from ../src and tokenizer files from node_modules.
  server: { headers: isolation, host: '127.0.0.1', fs: { allow: [path.resolve(benchDir, '..')] }, hmr: false },
  preview: { headers: isolation, host: '127.0.0.1' },
  worker: { format: 'es' },
  optimizeDeps: {
    // Scan the worker too: a dependency discovered only at run time makes Vite re-bundle and reload, which kills
    // the bench worker mid-load ("worker failed: script error").
    entries: ['index.html', 'bench.worker.ts'],
    // Pre-bundled (not excluded): the wasm backend's emscripten glue is CommonJS and needs the conversion.
    include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu'],
  },
  // Own cache so the bench server never races the app's dev server over node_modules/.vite.
  cacheDir: path.resolve(benchDir, '../node_modules/.vite-bench'),
  logLevel: 'warn',
});
