// The wasm Identity and same-dtype Cast overrides share x's heap buffer (a reference counted, no copy): the clone
// and the cast read x's values, outlive x's disposal, free the buffer only with the last reference; casts that
// change the dtype still convert; the gradients that cast (Multiply's) give tfjs's own values.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { withStockWasmKernels } from './register-wasm';
import { heapOffset, readWasmInternals } from './wasm-heap-views';

const at = (t: tf.Tensor): number => heapOffset(readWasmInternals(tf.backend())!, t);

describe('wasm Identity and Cast without a copy', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
  });

  for (const [what, make] of [
    ['clone (Identity)', (x: tf.Tensor) => tf.clone(x)],
    ['cast to its own dtype', (x: tf.Tensor) => tf.cast(x, x.dtype)],
  ] as const) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`${what}, ${dtype}: the same buffer, which lives until its last tensor is disposed`, () => {
        const before = tf.memory().numDataBuffers;
        const values = dtype === 'bool' ? [1, 0, 1, 1, 0, 1] : [1, 0, 3, 4, 0, 6];
        const x = tf.tensor2d(values, [2, 3], dtype);
        const y = make(x);
        expect(y.dtype).toBe(dtype);
        expect(at(y)).toBe(at(x));
        expect(tf.memory().numDataBuffers - before).toBe(1);
        x.dispose();
        expect(Array.from(y.dataSync())).toEqual(values);
        y.dispose();
        expect(tf.memory().numDataBuffers).toBe(before);
      });
    }
  }

  it('casts that change the dtype convert', () => {
    const f = tf.tensor1d([1.75, -2.5, 0, 3]);
    const i = tf.cast(f, 'int32');
    expect(at(i)).not.toBe(at(f));
    expect(Array.from(i.dataSync())).toEqual([1, -2, 0, 3]);
    const back = tf.cast(i, 'float32');
    expect(Array.from(back.dataSync())).toEqual([1, -2, 0, 3]);
    tf.dispose([f, i, back]);
  });

  it("a gradient that casts its saved inputs (Multiply's) gives tfjs's own values, no tensor left behind", () => {
    const a = tf.tensor2d([0.5, -1, 2, 3], [2, 2]);
    const b = tf.tensor2d([1.5, 2, -0.25, 4], [2, 2]);
    const grads = () => tf.grads((p: tf.Tensor, q: tf.Tensor) => p.mul(q).square().sum())([a, b]);
    const before = tf.memory().numTensors;
    const ours = grads();
    const stock = withStockWasmKernels(grads);
    for (let k = 0; k < 2; k++) expect(Array.from(ours[k].dataSync())).toEqual(Array.from(stock[k].dataSync()));
    tf.dispose([...ours, ...stock]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
