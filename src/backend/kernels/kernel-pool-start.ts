/**
 * Starting the kernel pool (`kernel-pool.ts`) with every module that runs on it. Each module registers itself when
 * imported (`addPoolModule`); the wasm backend starts the pool once its memory exists (`initWasmBackend`), and the
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

/** A module on the pool: its build on a memory, and where its kernels take their view of the pool. */
export interface PoolModule extends PoolModuleBuild {
  attach(pool: ModulePool): void;
}

const sources: Array<(memory: WebAssembly.Memory) => PoolModule | null> = [];
const started = new WeakMap<WebAssembly.Memory, KernelPool>();

/** Registers a module: `source` builds (or finds) its kernels on a memory; null where it has none. */
export function addPoolModule(source: (memory: WebAssembly.Memory) => PoolModule | null): void {
  if (!sources.includes(source)) sources.push(source);
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
  const modules = sources.map((source) => source(memory)).filter((m): m is PoolModule => m !== null);
  const pool = new KernelPool(memory, modules, threads - 1, spawn);
  started.set(memory, pool);
  modules.forEach((m, i) => m.attach(pool.module(i)));
  const until = Date.now() + timeoutMs;
  while (!pool.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  // In the performance timeline (the e2e suite reads it in the engine worker): modules on the pool, threads.
  if (pool.ready) performance.mark(`lora-studio:kernel-pool-ready:${modules.length}x${pool.threads}`);
  return pool;
}
