/**
 * Starting the kernel pool (`kernel-pool.ts`) with every module that runs on it. Each module registers itself when
 * imported (`addPoolKernels`); the wasm backend starts the pool once its memory exists (`initWasmBackend`), and the
 * modules' kernels then split their calls across it.
 *
 * The pool has to be started there, not on first use: a browser starts a worker's thread only when its parent's
 * event loop turns, and the engine's training and generation loops await promises without a task between them. A
 * pool first built inside one never came up (bench: 0 slices on workers in a whole train run).
 */
import {
  browserWorkerSpawner,
  KernelPool,
  kernelPoolSettings,
  type ModulePool,
  type PoolModuleBuild,
  type WorkerSpawner,
} from './kernel-pool';

/** A module's kernels on one memory, as the pool needs them: the build to send its workers, and their view of it. */
export interface PoolKernels {
  readonly build: PoolModuleBuild;
  pool: ModulePool | null;
}

const sources: Array<(memory: WebAssembly.Memory) => PoolKernels | null> = [];
const started = new WeakMap<WebAssembly.Memory, KernelPool>();

/**
 * Registers a module: `kernelsFor` builds (or finds, cached per memory) its kernels on a memory, null where it has
 * none; the pool, once started, is set as their `pool`.
 */
export function addPoolKernels(kernelsFor: (memory: WebAssembly.Memory) => PoolKernels | null): void {
  if (!sources.includes(kernelsFor)) sources.push(kernelsFor);
}

/**
 * Starts one pool of `threads` − 1 workers on `memory` running every registered module, attaches it to each, and
 * waits, yielding to the event loop, until the workers have compiled (at most `timeoutMs`; until then the kernels
 * run on the calling thread). Null where no pool can run: an unshared memory, no way to start workers, fewer than
 * 2 threads. `options` default to `kernelPoolSettings` and the browser's Worker. Once per memory.
 */
export async function startKernelPool(
  memory: WebAssembly.Memory,
  options?: { threads: number; spawn: WorkerSpawner | null },
  timeoutMs = 5000,
): Promise<KernelPool | null> {
  const held = started.get(memory);
  if (held) return held;
  const { threads, spawn } = options ?? {
    threads: kernelPoolSettings.enabled ? kernelPoolSettings.threads : 1,
    spawn: browserWorkerSpawner(),
  };
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!shared || !spawn || threads < 2) return null;
  const modules = sources.map((kernelsFor) => kernelsFor(memory)).filter((k): k is PoolKernels => k !== null);
  const pool = new KernelPool(
    memory,
    modules.map((k) => k.build),
    threads - 1,
    spawn,
  );
  started.set(memory, pool);
  modules.forEach((k, i) => (k.pool = pool.module(i)));
  const until = Date.now() + timeoutMs;
  while (!pool.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  // In the performance timeline (the e2e suite reads it in the engine worker): modules on the pool, threads.
  if (pool.ready) performance.mark(`lora-studio:kernel-pool-ready:${modules.length}x${pool.threads}`);
  return pool;
}
