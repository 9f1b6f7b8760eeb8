/**
 * wasm backend set-up (XNNPACK, SIMD; threads when the page is cross-origin isolated). The caller says where the
 * .wasm binaries are served: the worker passes Vite `?url` imports, Node passes the package's dist folder.
 */
import { kernelPoolSettings } from './kernels/kernel-pool';
import { registerWasmKernelOverrides } from './kernels/register-wasm';
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
  /** XNNPACK threads actually in use (1 without cross-origin isolation). */
  threads: number;
}

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
  if (threads !== undefined && threads > 0) wasm.setThreadsCount(threads);
  if (!(await withCoresSeenAs(threads, () => tf.setBackend('wasm')))) return null;
  await tf.ready();
  // Transposed and batched matMuls on XNNPACK (stock wasm runs them in a scalar loop).
  registerWasmKernelOverrides();
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  // Our own kernels compute on as many threads as XNNPACK does (backend/kernels/kernel-pool.ts).
  kernelPoolSettings.threads = wasm.getThreadsCount();
  return { simd, threads: wasm.getThreadsCount() };
}
