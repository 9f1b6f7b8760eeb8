/**
 * A shared wasm memory with our kernel pool started on it (Node worker threads), for the pool tests: the memory is
 * made at once (modules bind their kernels to it), the pool before the file's tests run, and it is ended after them.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { KernelPool } from '../backend/kernels/kernel-pool';
import { startKernelPool } from '../backend/kernels/kernel-pool-start';
import { nodeWorkerSpawner } from '../backend/kernels/node-worker-spawner.node.js';

export function pooledMemory(pages: number, threads = 3): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 1024, shared: true });
  let pool: KernelPool | null = null;
  beforeAll(async () => {
    pool = await startKernelPool(memory, { threads, spawn: nodeWorkerSpawner });
    expect(pool?.ready).toBe(true);
  });
  afterAll(() => pool?.dispose());
  return memory;
}
