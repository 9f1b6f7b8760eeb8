/**
 * Our wasm kernels across several threads: worker threads that instantiate the same kernel modules on the same
 * shared linear memory (tfjs-backend-wasm's threaded build), so a kernel call can be cut into chunks that run at
 * once, each in place on the tensors. Without it our kernels ran on the calling thread only while the other cores
 * idled (issue 18). One pool serves every module (GEMM, packed GEMV, packed decode): with a pool per module, the
 * idle pools' workers spun beside the busy one's, three threads on two cores (a SmolLM2 int4 step at half speed).
 *
 * The caller blocks until every chunk is done (tfjs kernels are synchronous): jobs go through a SharedArrayBuffer
 * control block and `Atomics`, not messages. Workers spin briefly after each job before they sleep, because a
 * decode step issues a kernel every few tens of µs and a futex wake costs about as much as a small slice (llama.cpp
 * and OpenMP pools do the same). Blocking needs `Atomics.wait`, which a browser's main thread lacks; there, and
 * until every worker has compiled its module, `run` does all slices on the calling thread.
 */

/**
 * Threads our kernels may compute on, and how many XNNPACK computes on (`xnnThreads`), both set when the wasm
 * backend starts (`initWasmBackend`); 1 and 1 in Node, where tfjs-wasm has no threads. Two ways to use the cores
 * (`src/backend/wasm.ts`):
 * - XNNPACK's pool (`enabled` off, `xnnThreads` = threads): tfjs's matMuls on its pthreads, our kernels on one.
 * - Our pool (`enabled` on, `xnnThreads` 1): XNNPACK on the calling thread; our GEMM, packed GEMV and packed
 *   decode split across our workers (transposes stay on the caller: memory-bound, they ran slower split).
 * `minWeights`: the smallest packed GEMV worth splitting (at 2^17 the `small` model's 256 × 768 products split, and
 * its decode fell from ~500 to ~200 tok/s on 2 threads: a split costs more than such a product); `minFloats`: the
 * smallest decode (floats written). `split` off keeps a started pool's work on the calling thread (its
 * modules see 1 thread, so every call runs as the 1-thread build runs it): the bench alternates it step by step to
 * measure the pool's gain in one page, interleaved, instead of across two noisy runs.
 */
export const kernelPoolSettings = {
  enabled: false,
  threads: 1,
  xnnThreads: 1,
  minWeights: 1 << 19,
  minFloats: 1 << 16,
  split: true,
};

/** Starts a worker running `source` (a classic script) and returns a handle to it. */
export type WorkerSpawner = (source: string) => { postMessage(message: unknown): void; terminate(): void };

// ctrl layout (Int32): [job sequence, chunks done, workers ready, stop, next chunk, chunks, -, -, then a slot per chunk]
const SEQ = 0;
const DONE = 1;
const READY = 2;
const STOP = 3;
const NEXT = 4;
const CHUNKS = 5;
const HEADER = 8;
/** A slot: [kernel index, argument count, arguments…]. */
const SLOT = 16;
const MAX_ARGS = SLOT - 2;
/** Most chunks one call may be cut into. */
export const MAX_CHUNKS = 64;
/** `next chunk` between jobs: a worker that comes late to a finished job takes nothing. */
const CLOSED = 1 << 30;
/**
 * Spins of a waiting thread before it sleeps on the futex (~1–2 ms). A training step runs other kernels for a
 * few hundred µs between two split products, and a worker woken from the futex came back ~280 µs late on average
 * (Chromium, SmolLM2 step: the caller waited 564 ms for its workers over 2000 products with 20000 spins), which
 * took the whole gain of the second thread. Spinning ten times longer (4M) made the step slower: the spinning
 * worker held the core the browser's own threads (GC, compiler) wanted.
 */
const SPINS = 400000;

/**
 * The worker's script: instantiate the modules on the shared memory, then take chunks of each job until none is
 * left, until told to stop. The chunk count is re-read after every take: a worker that finishes one job's last
 * chunk just as the caller opens the next takes that job's chunks against that job's count.
 */
const WORKER_SOURCE = `
const start = ({ memory, modules, ctrl: sab }) => {
  const ctrl = new Int32Array(sab);
  const fns = modules.flatMap(({ bytes, names }) => {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
    return names.map((n) => exports[n]);
  });
  Atomics.add(ctrl, ${READY}, 1);
  Atomics.notify(ctrl, ${READY});
  let seen = Atomics.load(ctrl, ${SEQ});
  for (;;) {
    for (let spins = 0; Atomics.load(ctrl, ${SEQ}) === seen; spins++)
      if (spins > ${SPINS}) Atomics.wait(ctrl, ${SEQ}, seen);
    seen = Atomics.load(ctrl, ${SEQ});
    if (Atomics.load(ctrl, ${STOP})) return;
    for (let i = Atomics.add(ctrl, ${NEXT}, 1); i < Atomics.load(ctrl, ${CHUNKS}); i = Atomics.add(ctrl, ${NEXT}, 1)) {
      const base = ${HEADER} + ${SLOT} * i;
      fns[ctrl[base]](...ctrl.subarray(base + 2, base + 2 + ctrl[base + 1]));
      if (Atomics.add(ctrl, ${DONE}, 1) + 1 >= Atomics.load(ctrl, ${CHUNKS})) Atomics.notify(ctrl, ${DONE});
    }
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

/** A module the pool runs: its bytes (the build the caller instantiated) and the caller's instance's exports. */
export interface PoolModuleBuild {
  bytes: Uint8Array;
  exports: WebAssembly.Exports;
}

/** What a module's kernels see of the pool: slices named by that module's exports. */
export interface ModulePool {
  readonly threads: number;
  readonly ready: boolean;
  /** Slices run on workers (the whole pool's), for tests and benches. */
  readonly workerSlices: number;
  /** Chunks of split calls run by any thread (the whole pool's), for tests and benches. */
  readonly chunksRun: number;
  run(slices: readonly KernelSlice[]): void;
}

export class KernelPool {
  private readonly ctrl: Int32Array;
  private readonly fns: Array<(...args: number[]) => void> = [];
  /** Per module, export name → index into `fns` (the workers build the same order). */
  private readonly indices: Array<Map<string, number>> = [];
  private readonly workers: Array<{ terminate(): void }>;
  /** Slices run on workers, for tests and benches. */
  workerSlices = 0;
  /** Chunks of split calls run by any thread, for tests and benches. */
  chunksRun = 0;

  /** `workers` threads beside the caller, each instantiating every module's bytes on `memory` (shared). */
  constructor(memory: WebAssembly.Memory, modules: readonly PoolModuleBuild[], workers: number, spawn: WorkerSpawner) {
    this.ctrl = new Int32Array(new SharedArrayBuffer(4 * (HEADER + SLOT * MAX_CHUNKS)));
    this.ctrl[NEXT] = CLOSED;
    const sent = modules.map(({ bytes, exports }) => {
      const names = Object.keys(exports).filter((n) => typeof exports[n] === 'function');
      this.indices.push(new Map(names.map((n, i) => [n, this.fns.length + i])));
      this.fns.push(...names.map((n) => exports[n] as (...args: number[]) => void));
      return { bytes, names };
    });
    this.workers = Array.from({ length: workers }, () => {
      const w = spawn(WORKER_SOURCE);
      w.postMessage({ memory, modules: sent, ctrl: this.ctrl.buffer });
      return w;
    });
  }

  /** The pool as module `i` (in constructor order) sees it. */
  module(i: number): ModulePool {
    const index = this.indices[i];
    if (!index) throw new Error(`kernel pool: no module ${i}`);
    const pool = this as KernelPool;
    return {
      get threads() {
        return kernelPoolSettings.split ? pool.threads : 1;
      },
      get ready() {
        return pool.ready;
      },
      get workerSlices() {
        return pool.workerSlices;
      },
      get chunksRun() {
        return pool.chunksRun;
      },
      run: (slices) => pool.runIndexed(slices, index),
    };
  }

  /** Threads a call can use: the caller plus the workers. */
  get threads(): number {
    return 1 + this.workers.length;
  }

  /** Whether every worker has compiled its module (before that, `run` works on the calling thread alone). */
  get ready(): boolean {
    return Atomics.load(this.ctrl, READY) === this.workers.length;
  }

  /**
   * Runs the slices (at most {@link MAX_CHUNKS}) as chunks of one job and returns when all are done. The caller and
   * the workers each take the next chunk until none is left, so a worker that wakes late, or runs slower than the
   * caller (its core shared with the browser's own threads, its inputs in the caller's cache), takes fewer: with
   * one slice per thread the caller waited 17–30% of its own slice time for its worker even on products issued
   * back to back (Chromium, SmolLM2 LoRA step, 2 threads).
   */
  private runIndexed(slices: readonly KernelSlice[], index: Map<string, number>): void {
    const at = (s: KernelSlice) => {
      const i = index.get(s.fn);
      if (i === undefined) throw new Error(`kernel pool: the module has no export '${s.fn}'`);
      return i;
    };
    if (slices.length <= 1 || !this.ready || !kernelPoolSettings.split || !canBlock()) {
      for (const s of slices) this.fns[at(s)](...s.args);
      return;
    }
    const n = slices.length;
    if (n > MAX_CHUNKS) throw new Error(`kernel pool: ${n} slices, at most ${MAX_CHUNKS}`);
    const ctrl = this.ctrl;
    slices.forEach((s, i) => {
      if (s.args.length > MAX_ARGS) throw new Error(`kernel pool: ${s.fn} has more than ${MAX_ARGS} arguments`);
      const base = HEADER + SLOT * i;
      ctrl[base] = at(s);
      ctrl[base + 1] = s.args.length;
      ctrl.set(s.args, base + 2);
    });
    // The table and counts are in place before `next chunk` opens the job: a worker still looping from the last
    // job can take a chunk of this one the moment it opens.
    Atomics.store(ctrl, CHUNKS, n);
    Atomics.store(ctrl, DONE, 0);
    Atomics.store(ctrl, NEXT, 0);
    Atomics.add(ctrl, SEQ, 1);
    Atomics.notify(ctrl, SEQ);
    let own = 0;
    for (let i = Atomics.add(ctrl, NEXT, 1); i < n; i = Atomics.add(ctrl, NEXT, 1)) {
      const s = slices[i];
      this.fns[at(s)](...s.args);
      Atomics.add(ctrl, DONE, 1);
      own++;
    }
    for (let spins = 0, done = Atomics.load(ctrl, DONE); done < n; done = Atomics.load(ctrl, DONE))
      if (++spins > SPINS) Atomics.wait(ctrl, DONE, done);
    Atomics.store(ctrl, NEXT, CLOSED);
    this.workerSlices += n - own;
    this.chunksRun += n;
  }

  /** Stops and ends the workers. */
  dispose(): void {
    Atomics.store(this.ctrl, STOP, 1);
    Atomics.add(this.ctrl, SEQ, 1);
    Atomics.notify(this.ctrl, SEQ);
    for (const w of this.workers) w.terminate();
    this.workers.length = 0;
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

/** Chunks per thread a split call is cut into: whoever is free takes the next one. */
export const CHUNKS_PER_THREAD = 4;

/**
 * How many chunks to cut a call of `units` independent units (rows, tiles) and `work` (any measure) into on
 * `pool`: `CHUNKS_PER_THREAD` per thread, fewer where a chunk would hold under `minWork`, never fewer than the
 * threads (the caller decided the call is worth splitting) nor more than the units.
 */
export function chunkCount(pool: ModulePool, units: number, work: number, minWork: number): number {
  const byWork = Math.max(pool.threads, Math.floor(work / Math.max(1, minWork)));
  return Math.max(1, Math.min(units, MAX_CHUNKS, pool.threads * CHUNKS_PER_THREAD, byWork));
}

/**
 * Contiguous slices of [0, n) for `parts` threads, none empty: [start, end) pairs. Threads past n get none.
 */
export function splitRange(n: number, parts: number): Array<[number, number]> {
  const count = Math.max(1, Math.min(parts, n));
  return Array.from({ length: count }, (_, k) => [Math.floor((n * k) / count), Math.floor((n * (k + 1)) / count)]);
}

/**
 * Runs the kernel `fn` (`local`, the caller's instance of it) on rows [0, rows), cut into contiguous row chunks
 * across `pool` when `floats` (what the call writes) reaches `kernelPoolSettings.minFloats`; `args(r0, r1)` gives a
 * slice's arguments. For kernels whose rows are independent (decodes, transposes): the same result either way.
 */
export function runRows(
  pool: ModulePool | null,
  fn: string,
  local: (...args: number[]) => void,
  rows: number,
  floats: number,
  args: (r0: number, r1: number) => number[],
): void {
  if (!pool || rows < 2 || floats < kernelPoolSettings.minFloats) {
    local(...args(0, rows));
    return;
  }
  const parts = chunkCount(pool, rows, floats, kernelPoolSettings.minFloats / 2);
  pool.run(splitRange(rows, parts).map(([r0, r1]) => ({ fn, args: args(r0, r1) })));
}
