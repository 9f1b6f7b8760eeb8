/**
 * wasm backend set-up (XNNPACK, SIMD; threads when the page is cross-origin isolated). The caller says where the
 * .wasm binaries are served: the worker passes Vite `?url` imports, Node passes the package's dist folder.
 */
import { kernelPoolSettings } from './kernels/kernel-pool';
import { startKernelPool } from './kernels/kernel-pool-start';
// Registers the GEMM's pool (the packed GEMV registers its own when the quant kernels are imported).
import './kernels/rows-matmul-wasm';
import { registerWasmKernelOverrides } from './kernels/register-wasm';
import { lightenGradients } from './lighter-gradients';
import { backendMemory, readWasmInternals } from './kernels/wasm-heap-views';
import { tf } from './tf';

/** The three binaries tfjs-backend-wasm picks from, by file name. */
export type WasmBinaryPaths = {
  'tfjs-backend-wasm.wasm'?: string;
  'tfjs-backend-wasm-simd.wasm'?: string;
  'tfjs-backend-wasm-threaded-simd.wasm'?: string;
};

/** What the wasm backend ended up using. */
export interface WasmInfo {
  simd: boolean;
  /** Threads the backend computes on (1 without cross-origin isolation): our pool's, or XNNPACK's. */
  threads: number;
  /** Whose pool spreads the work over the threads (`wasmThreadSettings`). */
  pool: WasmThreadPool;
}

/**
 * Whose threads use the cores: 'ours' runs tfjs-wasm's threaded build with XNNPACK on the calling thread and splits
 * our own kernels (GEMM, packed GEMV) across our kernel pool (`kernels/kernel-pool.ts`); 'xnnpack' gives the threads
 * to XNNPACK's pthread pool and keeps our kernels on one. The two do not mix: each pool's threads spin between
 * jobs, and beside each other they fought over the cores (kernel-pool.ts). See bench/README.md for the measurement
 * that chose the default.
 */
export type WasmThreadPool = 'ours' | 'xnnpack';
export const wasmThreadSettings: { pool: WasmThreadPool } = { pool: 'ours' };

let pathsSet = false;

/**
 * Runs `init` (the wasm backend's start) while `navigator.hardwareConcurrency` reads 2 × `threads`.
 * tfjs-backend-wasm caps its XNNPACK pool at hardwareConcurrency / 2 (its C++ assumes two hyper-threads per
 * core), whatever `setThreadsCount` asks, and reads the figure once while the module instantiates: on a 2-core
 * machine the studio computed on one core while the status bar said so. We show the pool the count we want for
 * that moment only, then put the real property back.
 */
async function withCoresSeenAs<T>(threads: number | undefined, init: () => Promise<T>): Promise<T> {
  const nav = (globalThis as { navigator?: object }).navigator;
  if (!threads || threads <= 1 || !nav) return init();
  const own = Object.getOwnPropertyDescriptor(nav, 'hardwareConcurrency');
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: threads * 2, configurable: true });
  } catch {
    return init(); // a navigator that refuses own properties: tfjs's half-the-cores pool, reported as such
  }
  try {
    return await init();
  } finally {
    if (own) Object.defineProperty(nav, 'hardwareConcurrency', own);
    else delete (nav as { hardwareConcurrency?: number }).hardwareConcurrency;
  }
}

/**
 * Selects the wasm backend. `paths` is a folder prefix or a per-file map; `threads` caps the thread pool (only
 * effective when SharedArrayBuffer is available). Returns null when tfjs could not initialise wasm.
 */
export async function initWasmBackend(paths: string | WasmBinaryPaths, threads?: number): Promise<WasmInfo | null> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!pathsSet) {
    wasm.setWasmPaths(paths);
    pathsSet = true;
  }
  const ours = wasmThreadSettings.pool === 'ours' && threads !== undefined && threads > 1;
  if (threads !== undefined && threads > 0) wasm.setThreadsCount(ours ? 1 : threads);
  if (!(await withCoresSeenAs(ours ? 1 : threads, () => tf.setBackend('wasm')))) return null;
  await tf.ready();
  // Transposed and batched matMuls on XNNPACK (stock wasm runs them in a scalar loop).
  registerWasmKernelOverrides();
  lightenGradients();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const xnnThreads = wasm.getThreadsCount();
  const internals = readWasmInternals(tf.backend());
  const memory = internals ? backendMemory(internals) : null;
  if (ours && memory) {
    Object.assign(kernelPoolSettings, { enabled: true, threads, xnnThreads });
    // Workers start only when this thread's event loop turns: start them now, not inside a training loop. No pool
    // without the threaded build's shared memory (a page that is not cross-origin isolated) or a way to start workers.
    const pool = await startKernelPool(memory);
    // The count the kernels really compute on (the status bar shows it): 1 while the workers have not come up.
    if (pool) return { simd, threads: pool.ready ? pool.threads : 1, pool: 'ours' };
  }
  Object.assign(kernelPoolSettings, { enabled: false, threads: xnnThreads, xnnThreads });
  return { simd, threads: xnnThreads, pool: 'xnnpack' };
}
