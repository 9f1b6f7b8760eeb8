/**
 * Our GEMM split across the kernel pool's worker threads on one shared memory, as it runs in the browser beside
 * tfjs-wasm's threaded build with XNNPACK on one thread: chunks on whole tiles (b packed once, or per chunk),
 * the result bit-identical to one call and equal to a float64 product.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pooledMemory } from '../../test-utils/kernel-pool-memory.node.js';
import { gemmInPlace, gemmSettings } from './gemm-matmul-wasm';
import { kernelPoolSettings } from './kernel-pool';
import { startKernelPool } from './kernel-pool-start';
import { nodeWorkerSpawner } from './node-worker-spawner.node.js';
import { rowsMatMulKernels, type RowsMatMulKernels } from './rows-matmul-wasm';
import type { WasmBackendInternals } from './wasm-heap-views';

const memory = pooledMemory(512);
const kernels = rowsMatMulKernels(memory) as RowsMatMulKernels;
afterEach(() => {
  gemmSettings.minSplitMacs = 1 << 21;
  kernelPoolSettings.split = true;
});

/** A backend whose heap allocator hands out the top of the shared memory (all `heapScratch` needs). */
const SCRATCH = 24 << 20;
const backend = { wasm: { _malloc: () => SCRATCH, _free: () => undefined } } as unknown as WasmBackendInternals;

/** Fills `count` floats at byte offset `at` with values in [-1, 1) from `seed`. */
function fill(at: number, count: number, seed: number): Float32Array {
  const v = new Float32Array(memory.buffer, at, count);
  let s = seed;
  for (let i = 0; i < count; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (s / 2 ** 32) * 2 - 1;
  }
  return v;
}

describe('our GEMM across a pool of worker threads', () => {
  it('a shared memory gets a pool of threads − 1 workers; an unshared one none', async () => {
    expect(kernels.pool?.threads).toBe(3);
    const unshared = new WebAssembly.Memory({ initial: 1 });
    expect(await startKernelPool(unshared, { threads: 4, spawn: nodeWorkerSpawner })).toBeNull();
    expect(rowsMatMulKernels(unshared)?.pool).toBeNull();
  });

  // a bigger than b: rows of a split (b packed whole by each slice); b bigger: columns of b split.
  it.each([
    { m: 150, k: 40, n: 11 },
    { m: 67, k: 33, n: 9 },
    { m: 13, k: 37, n: 301 },
    { m: 64, k: 96, n: 72 },
  ])('$m×$k·$k×$n: the split equals one call bit for bit, and float64', async ({ m, k, n }) => {
    const [aAt, bAt, oneAt, splitAt] = [1 << 16, 4 << 20, 8 << 20, 12 << 20];
    const a = fill(aAt, m * k, 3);
    const b = fill(bAt, k * n, 4);
    const dims = { m, k, n, lda: k, ldb: n, ldc: n };
    gemmSettings.minSplitMacs = Number.POSITIVE_INFINITY;
    gemmInPlace(backend, kernels, { a: aAt, b: bAt, c: oneAt }, dims);
    gemmSettings.minSplitMacs = 0;
    const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
    gemmInPlace(backend, kernels, { a: aAt, b: bAt, c: splitAt }, dims);
    expect(kernels.pool!.chunksRun - chunksBefore).toBeGreaterThanOrEqual(3); // cut into chunks, at least one a thread
    expect(kernels.pool!.workerSlices - before).toBeLessThanOrEqual(kernels.pool!.chunksRun - chunksBefore);
    const one = new Float32Array(memory.buffer, oneAt, m * n).slice();
    expect(Array.from(new Float32Array(memory.buffer, splitAt, m * n))).toEqual(Array.from(one));
    for (let i = 0; i < m; i += 7)
      for (let j = 0; j < n; j += 3) {
        let ref = 0;
        for (let t = 0; t < k; t++) ref += a[i * k + t] * b[t * n + j];
        expect(Math.abs(one[i * n + j] - ref)).toBeLessThan(1e-5 * k);
      }
  });

  it('a product below the split size runs as one call on the calling thread', async () => {
    const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
    fill(1 << 16, 64 * 32, 5);
    fill(4 << 20, 32 * 16, 6);
    gemmInPlace(
      backend,
      kernels,
      { a: 1 << 16, b: 4 << 20, c: 8 << 20 },
      { m: 64, k: 32, n: 16, lda: 32, ldb: 16, ldc: 16 },
    );
    expect(kernels.pool!.workerSlices).toBe(before);
    expect(kernels.pool!.chunksRun).toBe(chunksBefore);
  });

  it('with `split` off a started pool shows 1 thread and runs a big product on the caller, the same sums', () => {
    const [aAt, bAt, oneAt, offAt] = [1 << 16, 4 << 20, 8 << 20, 12 << 20];
    const [m, k, n] = [96, 64, 40];
    fill(aAt, m * k, 7);
    fill(bAt, k * n, 8);
    const dims = { m, k, n, lda: k, ldb: n, ldc: n };
    gemmSettings.minSplitMacs = Number.POSITIVE_INFINITY;
    gemmInPlace(backend, kernels, { a: aAt, b: bAt, c: oneAt }, dims);
    gemmSettings.minSplitMacs = 0;
    kernelPoolSettings.split = false;
    expect(kernels.pool?.threads).toBe(1);
    const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
    gemmInPlace(backend, kernels, { a: aAt, b: bAt, c: offAt }, dims);
    expect(kernels.pool!.workerSlices).toBe(before);
    expect(kernels.pool!.chunksRun).toBe(chunksBefore);
    expect(Array.from(new Float32Array(memory.buffer, offAt, m * n))).toEqual(
      Array.from(new Float32Array(memory.buffer, oneAt, m * n)),
    );
    kernelPoolSettings.split = true;
    expect(kernels.pool?.threads).toBe(3);
  });
});
