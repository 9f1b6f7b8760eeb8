/**
 * The pool's job protocol on Node worker threads: a call's chunks are taken by whichever thread is free, every
 * chunk runs exactly once, chunks really run at the same time on different threads, and a worker that comes late
 * to a finished job takes nothing from it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { chunkCount, KernelPool, kernelPoolSettings, MAX_CHUNKS, type ModulePool } from './kernel-pool';
import { nodeWorkerSpawner } from './node-worker-spawner.node.js';

/**
 * `bump(at)`: atomically adds 1 to the i32 at `at`. `meet(mine, theirs, spins)`: sets the flag at `mine`, then
 * spins (at most `spins` times) until the flag at `theirs` is set, and stores at mine + 4 whether it was.
 */
const WAT = `(module
  (import "env" "memory" (memory 1 64 shared))
  (func (export "bump") (param $at i32)
    (drop (i32.atomic.rmw.add (local.get $at) (i32.const 1))))
  (func (export "meet") (param $mine i32) (param $theirs i32) (param $spins i32)
    (i32.atomic.store (local.get $mine) (i32.const 1))
    (block $met
      (loop $wait
        (br_if $met (i32.atomic.load (local.get $theirs)))
        (local.set $spins (i32.sub (local.get $spins) (i32.const 1)))
        (br_if $wait (i32.gt_s (local.get $spins) (i32.const 0)))))
    (i32.atomic.store offset=4 (local.get $mine) (i32.atomic.load (local.get $theirs)))))`;

const memory = new WebAssembly.Memory({ initial: 1, maximum: 64, shared: true });
const i32 = () => new Int32Array(memory.buffer);
let pool: KernelPool;
let view: ModulePool;

beforeAll(async () => {
  const wabt = await wabtInit();
  const bytes = wabt.parseWat('pool-test.wat', WAT, { threads: true }).toBinary({}).buffer as Uint8Array<ArrayBuffer>;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  pool = new KernelPool(memory, [{ bytes, exports: instance.exports }], 2, nodeWorkerSpawner);
  const until = Date.now() + 5000;
  while (!pool.ready && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  expect(pool.ready).toBe(true);
  view = pool.module(0);
});
afterAll(() => pool.dispose());

describe('the kernel pool', () => {
  it('runs every chunk of a call exactly once, however many chunks and whoever takes them', () => {
    for (const n of [2, 3, 7, MAX_CHUNKS]) {
      i32().fill(0, 0, 256);
      view.run(Array.from({ length: n }, (_, i) => ({ fn: 'bump', args: [4 * i] })));
      expect(Array.from(i32().subarray(0, n))).toEqual(new Array(n).fill(1));
      expect(i32()[n]).toBe(0);
    }
    expect(() => view.run(Array.from({ length: MAX_CHUNKS + 1 }, () => ({ fn: 'bump', args: [0] })))).toThrow(
      /at most/,
    );
  });

  it('two chunks of one call run at the same time on two threads', () => {
    // Each chunk waits for the other to start: on one thread the first would give up after its spins. 2e9 spins
    // (seconds) because on a 2-core machine running other test files a worker once came later than 2e8 (~0.3 s).
    const [a, b] = [1024, 1040];
    for (let round = 0; round < 5; round++) {
      i32().fill(0, 256, 270);
      const workerBefore = pool.workerSlices;
      view.run([
        { fn: 'meet', args: [a, b, 2e9] },
        { fn: 'meet', args: [b, a, 2e9] },
      ]);
      expect([i32()[a / 4 + 1], i32()[b / 4 + 1]]).toEqual([1, 1]);
      expect(pool.workerSlices - workerBefore).toBeGreaterThanOrEqual(1);
    }
  });

  it('a call after a finished one gets none of its chunks run twice (late workers take nothing)', () => {
    i32().fill(0, 0, 256);
    for (let round = 0; round < 200; round++) view.run([0, 1, 2].map((i) => ({ fn: 'bump', args: [4 * i] })));
    expect(Array.from(i32().subarray(0, 4))).toEqual([200, 200, 200, 0]);
  });

  it('with `split` off, every chunk runs on the calling thread', () => {
    kernelPoolSettings.split = false;
    try {
      expect(view.threads).toBe(1);
      const before = pool.workerSlices;
      i32().fill(0, 0, 256);
      view.run([0, 1, 2, 3].map((i) => ({ fn: 'bump', args: [4 * i] })));
      expect(Array.from(i32().subarray(0, 4))).toEqual([1, 1, 1, 1]);
      expect(pool.workerSlices).toBe(before);
    } finally {
      kernelPoolSettings.split = true;
    }
  });

  it('cuts a call into chunks per thread, fewer where each would hold too little work, never more than its units', () => {
    expect(chunkCount(view, 1000, 1e9, 1)).toBe(12); // 3 threads × 4
    expect(chunkCount(view, 5, 1e9, 1)).toBe(5);
    expect(chunkCount(view, 1000, 10, 2)).toBe(5);
    expect(chunkCount(view, 1000, 1, 2)).toBe(3); // at least one a thread
  });
});
