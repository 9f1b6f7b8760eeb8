/**
 * The packed weights' decode and the transposes of the many-row path split by rows across the kernel pool's worker
 * threads on one shared memory (`runRows`): every mode's decode and both transposes equal one call bit for bit, and
 * small calls stay on the calling thread.
 */
import { describe, expect, it } from 'vitest';
import { kernelPoolSettings, runRows } from '../../../backend/kernels/kernel-pool';
import { pooledMemory } from '../../../test-utils/kernel-pool-memory.node.js';
import { dequantize } from '../../dequantize';
import { packedLayout } from '../../packed';
import { quantize } from '../../quantize';
import { randomUniform, randomWeight } from '../../synthetic';
import { dequantKernels, type DequantKernels } from './dequant-wasm';
import { transposer } from './wasm-gemm-host';

const memory = pooledMemory(512);
const kernels = dequantKernels(memory) as DequantKernels;

const floats = (at: number, n: number) => Array.from(new Float32Array(memory.buffer, at, n));

describe('packed decode and transposes across a pool of worker threads', () => {
  for (const mode of ['int4', 'int8', 'nf4'] as const) {
    it(`${mode}: rows decoded in chunks across three threads equal one call, and the reference dequantization`, async () => {
      const [out, inp, g] = [301, 200, 64] as const; // odd rows: uneven slices
      const packed = quantize(randomWeight(out * inp, 11), [out, inp], mode, g);
      const l = packedLayout(mode, inp, g);
      const [wAt, sAt, oneAt, splitAt] = [1 << 16, 1 << 20, 2 << 20, 6 << 20];
      new Uint32Array(memory.buffer, wAt, packed.words.length).set(packed.words);
      new Float32Array(memory.buffer, sAt, packed.scales.length).set(packed.scales);
      const fn = `dequant_${mode}` as const;
      const args = (dst: number) => (r0: number, r1: number) => [
        wAt + r0 * l.rowWords * 4,
        sAt + r0 * l.groupsPerRow * 4,
        dst + r0 * l.paddedIn * 4,
        r1 - r0,
        l.rowWords * 4,
        l.groupsPerRow,
        (g / l.codesPerWord) * 4,
      ];
      runRows(null, fn, kernels[fn], out, out * l.paddedIn, args(oneAt));
      const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
      runRows(kernels.pool, fn, kernels[fn], out, Number.MAX_SAFE_INTEGER, args(splitAt));
      expect(kernels.pool!.chunksRun - chunksBefore).toBeGreaterThanOrEqual(3); // cut into chunks, at least one a thread
      expect(kernels.pool!.workerSlices - before).toBeLessThanOrEqual(kernels.pool!.chunksRun - chunksBefore);
      const one = floats(oneAt, out * l.paddedIn);
      expect(floats(splitAt, out * l.paddedIn)).toEqual(one);
      const ref = dequantize(packed);
      for (let r = 0; r < out; r += 37) expect(one[r * l.paddedIn + 5]).toBeCloseTo(ref[r * inp + 5], 6);
    });
  }

  for (const fn of ['transpose', 'transpose_add'] as const) {
    it(`${fn}: rows in chunks across three threads (the many-row path's transposer) equal one call, with both strides`, () => {
      const [rows, cols, srcStride, dstStride] = [131, 70, 72, 140];
      const [src, one, split] = [1 << 16, 2 << 20, 4 << 20];
      new Float32Array(memory.buffer, src, rows * srcStride).set(randomUniform(rows * srcStride, 12));
      const start = randomUniform(cols * dstStride, 13); // transpose_add adds onto it
      new Float32Array(memory.buffer, one, cols * dstStride).set(start);
      new Float32Array(memory.buffer, split, cols * dstStride).set(start);
      kernels[fn](src, one, rows, cols, srcStride, dstStride);
      const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
      kernelPoolSettings.minFloats = 0;
      try {
        transposer(kernels, fn)(src, split, rows, cols, srcStride, dstStride);
      } finally {
        kernelPoolSettings.minFloats = 1 << 16;
      }
      expect(kernels.pool!.chunksRun - chunksBefore).toBeGreaterThanOrEqual(3); // cut into chunks, at least one a thread
      expect(kernels.pool!.workerSlices - before).toBeLessThanOrEqual(kernels.pool!.chunksRun - chunksBefore);
      expect(floats(split, cols * dstStride)).toEqual(floats(one, cols * dstStride));
      const s = new Float32Array(memory.buffer, src, rows * srcStride);
      const o = new Float32Array(memory.buffer, one, cols * dstStride);
      const base = fn === 'transpose_add' ? start[3 * dstStride + 7] : 0;
      expect(o[3 * dstStride + 7]).toBeCloseTo(base + s[7 * srcStride + 3], 6);
    });
  }

  it(`a call writing fewer than kernelPoolSettings.minFloats floats stays on the calling thread`, async () => {
    const [before, chunksBefore] = [kernels.pool!.workerSlices, kernels.pool!.chunksRun];
    let calls = 0;
    runRows(
      kernels.pool,
      'transpose',
      () => calls++,
      64,
      kernelPoolSettings.minFloats - 1,
      () => [],
    );
    expect(calls).toBe(1);
    expect(kernels.pool!.workerSlices).toBe(before);
    expect(kernels.pool!.chunksRun).toBe(chunksBefore);
  });
});
