/**
 * Our GEMV kernels split across worker threads on one shared memory (backend/kernels/kernel-pool.ts), as they run
 * in the browser beside tfjs-wasm's threaded build: every slice in place, the result bit-identical to one thread.
 */
import { describe, expect, it } from 'vitest';
import { splitRange } from '../../../backend/kernels/kernel-pool';
import { pooledMemory } from '../../../test-utils/kernel-pool-memory.node.js';
import { startKernelPool } from '../../../backend/kernels/kernel-pool-start';
import { nodeWorkerSpawner } from '../../../backend/kernels/node-worker-spawner.node.js';
import { packedLayout } from '../../packed';
import { quantize } from '../../quantize';
import { randomUniform, randomWeight } from '../../synthetic';
import { gemvKernels, prepareX, prepareXq16, scratchFloats, type GemvKernels } from './gemv-wasm';

const memory = pooledMemory(256);
const kernels = gemvKernels(memory) as GemvKernels;

describe('GEMV kernels across a pool of worker threads', () => {
  it('a shared memory gets a pool of threads − 1 workers, which compile the same build', async () => {
    expect(kernels.pool?.threads).toBe(3);
  });

  for (const mode of ['int4', 'int8'] as const) {
    for (const rows of [1, 4] as const) {
      it(`${mode}, x quantized, ${rows} row(s): chunks of W's rows across three threads give exactly the one-thread y`, async () => {
        const [out, inp, g] = [301, 200, 64] as const; // odd out: uneven slices
        const packed = quantize(randomWeight(out * inp, 7), [out, inp], mode, g);
        const l = packedLayout(mode, inp, g);
        const heap = memory.buffer;
        const [wOff, sOff, xOff] = [1 << 16, 1 << 20, 1 << 21];
        const xsOff = xOff + rows * l.paddedIn * 2;
        const [yOne, ySplit] = [1 << 22, (1 << 22) + (1 << 18)];
        new Uint32Array(heap, wOff, packed.words.length).set(packed.words);
        new Float32Array(heap, sOff, packed.scales.length).set(packed.scales);
        const x = randomUniform(rows * inp, 8);
        for (let r = 0; r < rows; r++) {
          const xq = new Int16Array(heap, xOff + r * l.paddedIn * 2, l.paddedIn);
          const xs = new Float32Array(heap, xsOff + r * l.groupsPerRow * 4, l.groupsPerRow);
          prepareXq16(mode, x, r * inp, inp, xq, xs, l.paddedIn, g);
        }
        const fn = `gemv_${mode}_q16_g${g}_r${rows}` as const;
        const tail = [
          l.rowWords * 4,
          l.groupsPerRow,
          (g / l.codesPerWord) * 4,
          xsOff,
          l.paddedIn * 2,
          l.groupsPerRow * 4,
          out * 4,
        ];
        kernels[fn](wOff, sOff, xOff, yOne, out, ...(tail as [number, number, number, number, number, number, number]));
        const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
        kernels.pool!.run(
          splitRange(out, 3).map(([o0, o1]) => ({
            fn,
            args: [wOff + o0 * l.rowWords * 4, sOff + o0 * l.groupsPerRow * 4, xOff, ySplit + o0 * 4, o1 - o0, ...tail],
          })),
        );
        expect(kernels.pool!.chunksRun - chunksBefore).toBeGreaterThanOrEqual(3); // cut into chunks, at least one a thread
        expect(kernels.pool!.workerSlices - before).toBeLessThanOrEqual(kernels.pool!.chunksRun - chunksBefore);
        const one = new Float32Array(heap, yOne, rows * out).slice();
        const split = new Float32Array(heap, ySplit, rows * out).slice();
        expect(Array.from(split)).toEqual(Array.from(one));
        expect(one.some((v) => v !== 0)).toBe(true);
      });
    }
  }

  it('nf4 with x in f32: the same split, the same y', async () => {
    const [out, inp, g] = [130, 96, 32] as const;
    const packed = quantize(randomWeight(out * inp, 9), [out, inp], 'nf4', g);
    const l = packedLayout('nf4', inp, g);
    const heap = memory.buffer;
    const [wOff, sOff, xOff, yOne, ySplit] = [1 << 16, 1 << 20, 1 << 21, 1 << 22, (1 << 22) + (1 << 18)];
    new Uint32Array(heap, wOff, packed.words.length).set(packed.words);
    new Float32Array(heap, sOff, packed.scales.length).set(packed.scales);
    const floats = scratchFloats('nf4', l.paddedIn, g);
    prepareX('nf4', randomUniform(inp, 10), 0, inp, new Float32Array(heap, xOff, floats), l.paddedIn, g);
    const tail = [l.rowWords * 4, l.groupsPerRow, (g / l.codesPerWord) * 4, xOff + l.paddedIn * 4];
    kernels.gemv_nf4(wOff, sOff, xOff, yOne, out, ...(tail as [number, number, number, number]));
    kernels.pool!.run(
      splitRange(out, 3).map(([o0, o1]) => ({
        fn: 'gemv_nf4',
        args: [wOff + o0 * l.rowWords * 4, sOff + o0 * l.groupsPerRow * 4, xOff, ySplit + o0 * 4, o1 - o0, ...tail],
      })),
    );
    expect(Array.from(new Float32Array(heap, ySplit, out))).toEqual(Array.from(new Float32Array(heap, yOne, out)));
  });

  it('splits a range into contiguous, non-empty slices', () => {
    expect(splitRange(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(splitRange(2, 4)).toEqual([
      [0, 1],
      [1, 2],
    ]);
  });

  it('an unshared memory (tfjs-wasm without threads, Node) gets no pool', async () => {
    const unshared = new WebAssembly.Memory({ initial: 1 });
    expect(await startKernelPool(unshared, { threads: 4, spawn: nodeWorkerSpawner })).toBeNull();
    expect(gemvKernels(unshared)?.pool).toBeNull();
  });
});
