// The Multiply gradient without same-dtype casts: tfjs's values bit for bit (broadcast sides reduced, an int32
// operand still cast), and no Cast kernel where both operands are float32.
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from './node';
import { tf } from './tf';
import { lightenMultiplyGradient } from './multiply-gradient';

beforeAll(async () => {
  await initNodeBackend('wasm');
});

/** d/da and d/db of Σ (a ⊙ b) ⊙ w with the gradient registered now, and the kernels that ran. */
async function gradients(a: tf.Tensor, b: tf.Tensor, w: tf.Tensor): Promise<{ values: number[][]; kernels: string[] }> {
  const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.mul(x, y), w));
  let out: tf.Tensor[] = [];
  const info = await tf.profile(() => {
    out = b.dtype === 'float32' ? tf.grads(f)([a, b]) : [tf.grad((x: tf.Tensor) => f(x, b))(a)];
  });
  const values = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose(out);
  return { values, kernels: info.kernels.map((k) => k.name) };
}

describe('Multiply gradient', () => {
  for (const [what, aShape, bShape, bDtype] of [
    ['same shapes', [4, 6], [4, 6], 'float32'],
    ['b broadcast along rows', [4, 6], [6], 'float32'],
    ['b a scalar', [4, 6], [], 'float32'],
    ['both broadcast', [4, 1], [1, 6], 'float32'],
    ['b int32 (still cast)', [4, 6], [4, 6], 'int32'],
  ] as const) {
    it(`${what}: tfjs's values`, async () => {
      const a = tf.randomNormal([...aShape], 0, 1, 'float32', 1);
      const b =
        bDtype === 'int32'
          ? tf.randomUniform([...bShape], -5, 5, 'int32', 2)
          : tf.randomNormal([...bShape], 0, 1, 'float32', 2);
      const w = tf.randomNormal([4, 6], 0, 1, 'float32', 3);
      const ours = await gradients(a, b, w);
      tf.registerGradient({ ...tf.getGradient('Multiply')!, gradFunc: TFJS_MULTIPLY_GRAD });
      const tfjs = await gradients(a, b, w);
      lightenMultiplyGradient();
      expect(ours.values).toEqual(tfjs.values);
      if (bDtype === 'float32') {
        expect(ours.kernels).not.toContain('Cast');
        expect(tfjs.kernels).toContain('Cast');
      } else expect(ours.kernels).toContain('Cast');
      tf.dispose([a, b, w]);
    });
  }
});

/** tfjs 4.22's own Multiply gradient (gradients/Multiply_grad.js), to compare against. */
const TFJS_MULTIPLY_GRAD: tf.GradConfig['gradFunc'] = (dy, saved) => {
  const [a, b] = saved;
  const outShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const side = (other: tf.Tensor, shape: number[]) => {
    const res = tf.mul(dy as tf.Tensor, tf.cast(other, 'float32'));
    const axes = tf.broadcast_util.getReductionAxes(shape, outShape);
    return axes.length > 0 ? tf.reshape(tf.sum(res, axes), shape) : res;
  };
  return { a: () => side(b, a.shape), b: () => side(a, b.shape) };
};
