// Shape bookkeeping of the wasm matMul override: geometry, broadcast batch indices, and the route per shape.
import { describe, expect, it } from 'vitest';
import {
  broadcastBatch,
  chooseMatMulRoute,
  matMulGeometry,
  MAX_FRESH_B,
  MIN_FOLD_WORK,
  MIN_SLICE_ROWS,
  operandBatchIndex,
} from './matmul-route';

describe('matMulGeometry', () => {
  it('reads m, k, n through the transpose flags and broadcasts batch dims', () => {
    const g = matMulGeometry([2, 1, 5, 3], [4, 7, 5], true, true);
    expect(g).toMatchObject({
      m: 3,
      k: 5,
      n: 7,
      batchShape: [2, 4],
      batch: 8,
      aBatchShape: [2, 1],
      bBatchShape: [1, 4],
      aBatch: 2,
      bBatch: 4,
    });
    expect(matMulGeometry([6, 4], [4, 9], false, false)).toMatchObject({ m: 6, k: 4, n: 9, batchShape: [], batch: 1 });
  });

  it('rejects mismatched inner dims and batch dims that do not broadcast', () => {
    expect(() => matMulGeometry([6, 4], [5, 9], false, false)).toThrow(/inner dims 4 and 5/);
    expect(() => broadcastBatch([2, 3], [3, 3])).toThrow(/do not broadcast/);
    expect(() => matMulGeometry([4], [4, 2], false, false)).toThrow(/rank/);
  });
});

describe('operandBatchIndex', () => {
  it('maps an output batch index to the matrix each operand contributes', () => {
    // out batch [2, 3]: a is [2, 1] (one matrix per row), b is [1, 3] (one per column).
    const a = [0, 1, 2, 3, 4, 5].map((i) => operandBatchIndex(i, [2, 3], [2, 1]));
    const b = [0, 1, 2, 3, 4, 5].map((i) => operandBatchIndex(i, [2, 3], [1, 3]));
    expect(a).toEqual([0, 0, 0, 1, 1, 1]);
    expect(b).toEqual([0, 1, 2, 0, 1, 2]);
    expect(operandBatchIndex(5, [2, 3], [2, 3])).toBe(5);
    expect(operandBatchIndex(0, [], [])).toBe(0);
  });
});

describe('chooseMatMulRoute', () => {
  const route = (a: number[], b: number[], ta: boolean, tb: boolean) =>
    chooseMatMulRoute(matMulGeometry(a, b, ta, tb), ta, tb);

  it('keeps stock where it is already on XNNPACK, empty or too small', () => {
    expect(route([256, 256], [256, 256], false, false)).toBe('stock');
    expect(route([0, 8], [8, 8], false, true)).toBe('stock');
    expect(route([8, 8], [8, 8], false, true)).toBe('stock');
    expect(route([4, 8, 8], [4, 8, 8], false, true)).toBe('stock');
  });

  it('folds a batch of a over one b, slices a batched b', () => {
    expect(route([16, 16], [16, 16], false, true)).toBe('fold'); // exactly the threshold
    expect(16 ** 3).toBe(MIN_FOLD_WORK);
    expect(route([8, 8, 8], [8, 8], false, false)).toBe('fold'); // the batch folds into 64 rows: 8·8³ = 16³
    expect(route([4, 8, 8], [8, 8], false, false)).toBe('stock'); // 4·8³ < 16³
    expect(route([1, 64, 64], [1, 64, 64], true, false)).toBe('fold');
    expect(route([4, 64, 32], [4, 64, 32], false, true)).toBe('slices');
    expect(route([64, 32], [4, 32, 64], false, false)).toBe('slices');
  });

  it('keeps the stock kernel for a batched b with few rows per slice (decode attention)', () => {
    expect(route([3, 2, 64], [3, 1024, 64], false, true)).toBe('stock'); // q·kᵀ, 2 query heads per KV head
    expect(route([3, 4, 1024], [3, 1024, 64], false, false)).toBe('stock'); // p·v
    expect(route([3, MIN_SLICE_ROWS, 64], [3, 1024, 64], false, true)).toBe('slices');
  });

  it("sends few rows to our SIMD kernels when they are loaded ('rows'), except a reused untransposed b", () => {
    const direct = (a: number[], b: number[], ta: boolean, tb: boolean) =>
      chooseMatMulRoute(matMulGeometry(a, b, ta, tb), ta, tb, true);
    expect(direct([1, 2, 2, 64], [1, 2, 185, 64], false, true)).toBe('rows'); // decode attention q·kᵀ
    expect(direct([1, 2, 2, 185], [1, 2, 185, 64], false, false)).toBe('rows'); // its p·v
    expect(direct([1, 576], [1536, 576], false, true)).toBe('rows'); // decode x·Wᵀ, W as stored
    expect(direct([576, 1], [1536, 576], true, true)).toBe('rows'); // m = 1: [k, 1] is the same row
    expect(direct([4, 64], [64, 64], false, false)).toBe('rows'); // RoPE rotation: a fresh 64×64 b each step
    expect(direct([1, 256], [256, 4096], false, false)).toBe('stock'); // the decode LM head: XNNPACK keeps it packed
    expect(MAX_FRESH_B).toBeLessThan(256 * 4096);
    expect(direct([64, 2], [64, 64], true, false)).toBe('fold'); // a transposed with m > 1: not a row block
    expect(direct([3, MIN_SLICE_ROWS, 64], [3, 1024, 64], false, true)).toBe('slices'); // enough rows for XNNPACK
    expect(direct([0, 8], [8, 8], false, true)).toBe('stock');
  });

  it('swaps operands of x·Wᵀ when XNNPACK then packs less (its packing costs ~8 of our transposes per float)', () => {
    expect(route([1, 576], [1536, 576], false, true)).toBe('swap'); // decode: packs 576 floats instead of 576·1536
    expect(route([256, 576], [16, 576], false, true)).toBe('fold'); // LoRA down: A is tiny
    expect(route([576, 1], [1536, 576], true, true)).toBe('swap');
    expect(route([1, 576], [576, 1536], false, false)).toBe('stock');
    expect(route([2, 1, 576], [1536, 576], false, true)).toBe('fold'); // a batch: fold (no swap across a batch)
    // The LM head's input gradient as dxᵀ = Wᵀ·dyᵀ on a 7281-row block of W: moving W's block into place (4.2M
    // floats) and packing dyᵀ (459K) beats packing W's block, though it copies more floats.
    expect(route([7281, 576], [63, 7281], true, true)).toBe('fold');
  });
});
