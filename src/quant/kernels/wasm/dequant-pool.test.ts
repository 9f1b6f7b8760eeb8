/**
 * The packed weights' decode for the many-row path cut by rows across the kernel pool's worker threads on one shared
 * memory (`runRows`): every mode's decode equals one call bit for bit, and small calls stay on the calling thread.
 */
import { describe, expect, it } from 'vitest';
import { kernelPoolSettings, runRows } from '../../../backend/kernels/kernel-pool';
import { pooledMemory } from '../../../test-utils/kernel-pool-memory.node.js';
import { dequantize } from '../../dequantize';
import { packedLayout } from '../../packed';
import { quantize } from '../../quantize';
import { randomWeight } from '../../synthetic';
import { dequantKernels, type DequantKernels } from './dequant-wasm';

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
