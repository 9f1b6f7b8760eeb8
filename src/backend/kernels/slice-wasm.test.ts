// The wasm Slice/SplitV overrides (no whole-input copy) against tfjs's own kernels and an index-by-index
// reference: every rank 1–4 (copyBox also rank 0), boxes touching every axis, int32 and bool, SplitV on every axis, the gradient, no
// leaks, and the cost that made us write them (slicing a block of a big tensor no longer scales with the tensor).
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { registerWasmKernelOverrides, withStockWasmKernels } from './register-wasm';
import { copyBox } from './slice-wasm';

/** The box begin/size of x, read element by element through its multi-index. */
function reference(x: number[], shape: number[], begin: number[], size: number[]): number[] {
  const out: number[] = [];
  const n = size.reduce((a, s) => a * s, 1);
  for (let k = 0; k < n; k++) {
    let rest = k;
    let flat = 0;
    for (let i = shape.length - 1, stride = 1; i >= 0; stride *= shape[i], i--) {
      flat += (begin[i] + (rest % size[i])) * stride;
      rest = Math.floor(rest / size[i]);
    }
    out.push(x[flat]);
  }
  return out;
}

const CASES: Array<{ shape: number[]; begin: number[]; size: number[] }> = [
  { shape: [], begin: [], size: [] },
  { shape: [7], begin: [2], size: [4] },
  { shape: [5, 6], begin: [1, 0], size: [3, 6] }, // row block: one run
  { shape: [5, 6], begin: [0, 2], size: [5, 3] }, // column block: a run per row
  { shape: [5, 6], begin: [4, 5], size: [1, 1] },
  { shape: [3, 4, 5], begin: [1, 1, 0], size: [2, 2, 5] },
  { shape: [3, 4, 5], begin: [0, 1, 2], size: [3, 3, 2] },
  { shape: [2, 3, 4, 5], begin: [1, 0, 1, 1], size: [1, 3, 2, 3] },
  { shape: [2, 3, 4, 5], begin: [0, 0, 0, 0], size: [2, 3, 4, 5] },
  { shape: [2, 3, 4, 5], begin: [0, 2, 0, 0], size: [2, 0, 4, 5] }, // empty
];

describe('wasm Slice/SplitV overrides', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
    expect(registerWasmKernelOverrides()).toBe(true);
  });

  it('copyBox gives the reference box for every case', () => {
    for (const { shape, begin, size } of CASES) {
      const n = shape.reduce((a, s) => a * s, 1);
      const x = Float32Array.from({ length: n }, (_, i) => i);
      const out = new Float32Array(size.reduce((a, s) => a * s, 1));
      copyBox(x, shape, begin, size, out);
      expect(Array.from(out)).toEqual(reference(Array.from(x), shape, begin, size));
    }
  });

  it('Slice matches the stock kernel and the reference, for float32, int32 and bool, with no leaks', () => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const { shape, begin, size } of CASES.filter((c) => c.shape.length > 0)) {
        const n = shape.reduce((a, s) => a * s, 1);
        const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : i * 3 - 7));
        const x = tf.tensor(values as number[], shape, dtype);
        const before = tf.memory().numTensors;
        const ours = tf.slice(x, begin, size);
        expect(ours.shape).toEqual(size);
        const got = Array.from(ours.dataSync());
        const stock = withStockWasmKernels(() => tf.slice(x, begin, size));
        expect(got).toEqual(Array.from(stock.dataSync()));
        expect(got).toEqual(reference(Array.from(x.dataSync()), shape, begin, size));
        tf.dispose([ours, stock]);
        expect(tf.memory().numTensors).toBe(before);
        x.dispose();
      }
    }
  });

  it('SplitV matches the stock kernel on every axis, even and uneven splits', () => {
    const x = tf.tensor(
      Array.from({ length: 2 * 3 * 4 * 6 }, (_, i) => i),
      [2, 3, 4, 6],
    );
    for (let axis = 0; axis < 4; axis++) {
      const len = x.shape[axis];
      for (const splits of [len, [1, len - 1]] as Array<number | number[]>) {
        if (Array.isArray(splits) && len < 2) continue;
        const ours = tf.split(x, splits, axis);
        const stock = withStockWasmKernels(() => tf.split(x, splits, axis));
        expect(ours.map((t) => t.shape)).toEqual(stock.map((t) => t.shape));
        ours.forEach((t, i) => expect(Array.from(t.dataSync())).toEqual(Array.from(stock[i].dataSync())));
        tf.dispose([...ours, ...stock]);
      }
    }
    x.dispose();
  });

  it('the gradient of a slice is the padded upstream gradient', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const g = tf.grad((t: tf.Tensor) =>
      tf
        .slice(t, [0, 1], [2, 2])
        .mul(tf.tensor2d([1, 2, 3, 4], [2, 2]))
        .sum(),
    )(x);
    expect(Array.from(g.dataSync())).toEqual([0, 1, 2, 0, 3, 4]);
    tf.dispose([x, g]);
  });

  it('a small block of a big tensor costs the block, not the tensor (stock copies the whole input)', () => {
    const big = tf.zeros([4096, 1024]); // 16 MiB
    const time = (f: () => tf.Tensor): number => {
      let best = Infinity;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        f().dispose();
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    const ours = time(() => tf.slice(big, [100, 0], [4, 1024]));
    const stock = withStockWasmKernels(() => time(() => tf.slice(big, [100, 0], [4, 1024])));
    big.dispose();
    expect(ours).toBeLessThan(stock);
  });
});
