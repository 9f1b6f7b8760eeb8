// Gradient clipping's scale as one op (wasm): every output equal to tfjs's Multiply bit for bit, ragged sizes
// included, in one kernel; and clipByGlobalNorm through it giving exactly what one Multiply a gradient gave.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { scaleAll, SCALE_ALL } from './scale-all-wasm';
import { clipByGlobalNorm } from '../../train/clip';

describe('LoraStudioScaleAll', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
  });

  const shapes = [[16, 576], [7], [3, 5], [1536, 16], [1]];
  const make = () => shapes.map((s, i) => tf.randomNormal(s, 0, 3, 'float32', 40 + i));

  it('scales every tensor as tf.mul does, bit for bit, in one kernel', async () => {
    const xs = make();
    const factor = 0.123456789;
    let out: tf.Tensor[] = [];
    const kernels = (await tf.profile(() => void (out = scaleAll(xs, factor)!))).kernels;
    expect(kernels.map((k) => k.name)).toEqual([SCALE_ALL]);
    for (const [i, x] of xs.entries()) {
      expect(out[i].shape).toEqual(x.shape);
      expect(Array.from(await out[i].data())).toEqual(Array.from(await x.mul(factor).data()));
    }
    tf.dispose([...xs, ...out]);
  });

  it('clipByGlobalNorm gives what one Multiply a gradient gave, and frees its inputs', async () => {
    const grads = new Map(make().map((t, i) => [`g${i}`, t]));
    const want = new Map([...grads].map(([n, g]) => [n, g.clone()]));
    const before = tf.memory().numTensors;
    const { grads: clipped, norm } = await clipByGlobalNorm(grads, 1);
    expect(norm).toBeGreaterThan(1);
    expect(tf.memory().numTensors).toBe(before); // as many outputs as inputs freed
    for (const [n, g] of clipped) {
      const ref = want.get(n)!.mul(1 / (norm + 1e-6));
      expect(Array.from(await g.data()), n).toEqual(Array.from(await ref.data()));
      tf.dispose([ref, g, want.get(n)!]);
    }
  });
});
