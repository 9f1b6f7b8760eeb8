import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// COOP/COEP make the page cross-origin isolated, which wasm threads (SharedArrayBuffer) require.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  server: { headers: isolation, host: '127.0.0.1' },
  preview: { headers: isolation, host: '127.0.0.1' },
  worker: {
    format: 'es',
    // Unminified worker bundle: tfjs-backend-wasm starts its pthreads from the source text of its Emscripten
    // factory (Function.toString), which minification breaks ("e is not defined" in every thread).
    rolldownOptions: { output: { minify: false } },
  },
  // Pre-bundle the wasm backend with the rest of tfjs: excluded, it would bind to a second copy of tfjs-core and
  // never register its backend with the engine the app uses. Its .wasm binaries are passed explicitly (?url).
  optimizeDeps: { include: ['@tensorflow/tfjs-backend-wasm'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  test: {
    include: [
      'src/**/*.test.ts',
      'workers/**/*.test.ts',
      'app/**/*.test.ts',
      'scripts/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
