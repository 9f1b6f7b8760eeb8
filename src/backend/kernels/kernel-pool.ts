/**
 * Our wasm kernels across several threads: worker threads that instantiate the same kernel module on the same
 * shared linear memory (tfjs-backend-wasm's threaded build, where XNNPACK already computes on a pthread pool), so
 * a kernel call can be split into slices that run at once, each in place on the tensors. Without it our kernels
 * ran on the calling thread only while the other cores idled (issue 18).
 *
 * The caller blocks until every slice is done (tfjs kernels are synchronous): jobs go through a SharedArrayBuffer
 * control block and `Atomics`, not messages. Workers spin briefly after each job before they sleep, because a
 * decode step issues a kernel every few tens of µs and a futex wake costs about as much as a small slice (llama.cpp
 * and OpenMP pools do the same). Blocking needs `Atomics.wait`, which a browser's main thread lacks; there, and
 * until every worker has compiled its module, `run` does all slices on the calling thread.
 */

/**
 * Threads our kernels may compute on, and how many XNNPACK computes on (`xnnThreads`), both set when the wasm
 * backend starts (`initWasmBackend`); 1 and 1 in Node, where tfjs-wasm has no threads. `minWeights`: the smallest
 * product worth splitting. Two ways to use the cores (`src/backend/wasm.ts`):
 * - XNNPACK's pool (`enabled` off, `xnnThreads` = threads): tfjs's matMuls on its pthreads, our kernels on one.
 *   Beside tfjs's spinning pthreads our pool lost: a 2-thread decode ran at 99–181 tok/s with it against 259–443
 *   without (`bench -- --suites generate --quick --threads 2`, `small`, 2-core machine at load 1.7–3.3).
 * - Our pool (`enabled` on, `xnnThreads` 1): XNNPACK on the calling thread, and our GEMM, GEMV and transposes split
 *   across our workers, which sleep between bursts instead of competing with tfjs's.
 */
export const kernelPoolSettings = { enabled: false, threads: 1, xnnThreads: 1, minWeights: 1 << 17 };

/**
 * A pool of `threads` − 1 workers for a kernel module instantiated on `memory` (`bytes`, the caller's instance
 * `exports`), or null where it cannot or should not run: an unshared memory, no way to start workers, or fewer than
 * 2 threads. `options` default to `kernelPoolSettings` and the browser's Worker.
 */
export function kernelPoolFor(
  memory: WebAssembly.Memory,
  bytes: Uint8Array,
  exports: WebAssembly.Exports,
  options?: { threads: number; spawn: WorkerSpawner | null },
): KernelPool | null {
  const { threads, spawn } = options ?? {
    threads: kernelPoolSettings.enabled ? kernelPoolSettings.threads : 1,
    spawn: browserWorkerSpawner(),
  };
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (!shared || !spawn || threads < 2) return null;
  const names = Object.keys(exports).filter((n) => typeof exports[n] === 'function');
  return new KernelPool(memory, bytes, exports, names, threads - 1, spawn);
}

/**
 * Builders of the kernel modules that run on a pool, each registered by its module when imported: given the
 * backend's memory, it instantiates the module's kernels (with their pool) and returns the pool.
 */
const poolStarters = new Set<(memory: WebAssembly.Memory) => KernelPool | null>();

/** Registers a module's pool builder, for {@link startKernelPools}. */
export function addKernelPoolStarter(start: (memory: WebAssembly.Memory) => KernelPool | null): void {
  poolStarters.add(start);
}

/**
 * Starts every registered module's pool on `memory` and waits, yielding to the event loop, until their workers
 * have compiled (at most `timeoutMs`). A browser starts a worker's thread only when its parent's event loop turns,
 * and the engine's training and generation loops await promises without a task between them: a pool first built
 * inside one never came up (bench: 0 slices on workers in a whole train run). Returns the pools that are ready.
 */
export async function startKernelPools(memory: WebAssembly.Memory, timeoutMs = 5000): Promise<number> {
  const pools = [...poolStarters].map((start) => start(memory)).filter((p): p is KernelPool => p !== null);
  const until = Date.now() + timeoutMs;
  while (pools.some((p) => !p.ready) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  const ready = pools.filter((p) => p.ready);
  // In the performance timeline (the e2e suite reads it in the engine worker): pools up, threads each.
  performance.mark(`lora-studio:kernel-pools-ready:${ready.length}x${ready[0]?.threads ?? 1}`);
  return ready.length;
}

/** Starts a worker running `source` (a classic script) and returns a handle to it. */
export type WorkerSpawner = (source: string) => { postMessage(message: unknown): void; terminate(): void };

// ctrl layout (Int32): [job sequence, slices done, workers ready, stop, then one slot per worker]
const SEQ = 0;
const DONE = 1;
const READY = 2;
const STOP = 3;
const HEADER = 4;
/** A slot: [kernel index (−1: none), argument count, arguments…]. */
const SLOT = 16;
const MAX_ARGS = SLOT - 2;
/** Spins of a waiting thread before it sleeps on the futex. */
const SPINS = 20000;

/** The worker's script: instantiate the module on the shared memory, then run slices until told to stop. */
const WORKER_SOURCE = `
const start = ({ memory, bytes, ctrl: sab, slot, names }) => {
  const ctrl = new Int32Array(sab);
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  const fns = names.map((n) => exports[n]);
  Atomics.add(ctrl, ${READY}, 1);
  Atomics.notify(ctrl, ${READY});
  const base = ${HEADER} + ${SLOT} * slot;
  let seen = Atomics.load(ctrl, ${SEQ});
  for (;;) {
    for (let spins = 0; Atomics.load(ctrl, ${SEQ}) === seen; spins++)
      if (spins > ${SPINS}) Atomics.wait(ctrl, ${SEQ}, seen);
    seen = Atomics.load(ctrl, ${SEQ});
    if (Atomics.load(ctrl, ${STOP})) return;
    const f = ctrl[base];
    if (f >= 0) fns[f](...ctrl.subarray(base + 2, base + 2 + ctrl[base + 1]));
    Atomics.add(ctrl, ${DONE}, 1);
    Atomics.notify(ctrl, ${DONE});
  }
};
if (typeof self !== 'undefined' && typeof self.postMessage === 'function') self.onmessage = (e) => start(e.data);
else require('node:worker_threads').parentPort.once('message', start);
`;

/** One slice of work: an export of the module and its (i32) arguments. */
export interface KernelSlice {
  fn: string;
  args: readonly number[];
}

export class KernelPool {
  private readonly ctrl: Int32Array;
  private readonly fns: Array<(...args: number[]) => void>;
  private readonly index: Map<string, number>;
  private readonly workers: Array<{ terminate(): void }>;
  /** Slices run on workers, for tests and benches. */
  workerSlices = 0;

  /**
   * `workers` threads beside the caller, each instantiating `bytes` on `memory` (shared) as `local` is; `local` is
   * the caller's own instance of the same module, whose exports `names` lists.
   */
  constructor(
    memory: WebAssembly.Memory,
    bytes: Uint8Array,
    local: WebAssembly.Exports,
    names: readonly string[],
    workers: number,
    spawn: WorkerSpawner,
  ) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * (HEADER + SLOT * workers)));
    this.index = new Map(names.map((n, i) => [n, i]));
    this.fns = names.map((n) => local[n] as (...args: number[]) => void);
    this.workers = Array.from({ length: workers }, (_, slot) => {
      const w = spawn(WORKER_SOURCE);
      w.postMessage({ memory, bytes, ctrl: this.ctrl.buffer, slot, names: [...names] });
      return w;
    });
  }

  /** Threads a call can use: the caller plus the workers. */
  get threads(): number {
    return 1 + this.workers.length;
  }

  /** Whether every worker has compiled its module (before that, `run` works on the calling thread alone). */
  get ready(): boolean {
    return Atomics.load(this.ctrl, READY) === this.workers.length;
  }

  /** Runs the slices (at most `threads`), the first on the calling thread, and returns when all are done. */
  run(slices: readonly KernelSlice[]): void {
    if (slices.length > this.threads)
      throw new Error(`kernel pool: ${slices.length} slices for ${this.threads} threads`);
    if (slices.length <= 1 || !this.ready || !canBlock()) {
      for (const s of slices) this.call(s);
      return;
    }
    const ctrl = this.ctrl;
    this.workers.forEach((_, k) => {
      const base = HEADER + SLOT * k;
      const s = slices[k + 1];
      if (!s) {
        ctrl[base] = -1;
        return;
      }
      if (s.args.length > MAX_ARGS) throw new Error(`kernel pool: ${s.fn} has more than ${MAX_ARGS} arguments`);
      ctrl[base] = this.indexOf(s.fn);
      ctrl[base + 1] = s.args.length;
      ctrl.set(s.args, base + 2);
    });
    Atomics.store(ctrl, DONE, 0);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    this.call(slices[0]);
    for (let spins = 0, done = Atomics.load(ctrl, DONE); done < this.workers.length; done = Atomics.load(ctrl, DONE))
      if (++spins > SPINS) Atomics.wait(ctrl, DONE, done);
    this.workerSlices += slices.length - 1;
  }

  /** Stops and ends the workers. */
  dispose(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
  }

  private call(s: KernelSlice): void {
    this.fns[this.indexOf(s.fn)](...s.args);
  }

  private indexOf(fn: string): number {
    const i = this.index.get(fn);
    if (i === undefined) throw new Error(`kernel pool: the module has no export '${fn}'`);
    return i;
  }
}

/** Whether this thread may block on `Atomics.wait` (workers and Node: yes; a browser's main thread: no). */
function canBlock(): boolean {
  if (blockable !== null) return blockable;
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0); // returns 'not-equal' at once
    blockable = true;
  } catch {
    blockable = false;
  }
  return blockable;
}
let blockable: boolean | null = null;

/** A spawner from the browser's `Worker`, the script passed as a Blob URL; null where there is none. */
export function browserWorkerSpawner(): WorkerSpawner | null {
  if (typeof Worker === 'undefined' || typeof Blob === 'undefined' || typeof URL.createObjectURL !== 'function')
    return null;
  return (source) => {
    // One URL per worker, kept: revoking it before the worker has fetched its script can fail the load.
    return new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  };
}

/**
 * Contiguous slices of [0, n) for `parts` threads, none empty: [start, end) pairs. Threads past n get none.
 */
export function splitRange(n: number, parts: number): Array<[number, number]> {
  const count = Math.max(1, Math.min(parts, n));
  return Array.from({ length: count }, (_, k) => [Math.floor((n * k) / count), Math.floor((n * (k + 1)) / count)]);
}
