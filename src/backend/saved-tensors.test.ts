import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from './node';
import { lightenSavedTensors } from './saved-tensors';
import { tf } from './tf';

beforeAll(async () => {
  await initNodeBackend('wasm'); // installs the light save
  lightenSavedTensors(); // a second install changes nothing
});

describe('tensors saved for gradients', () => {
  it('are saved without Identity kernels, and the gradients are right', async () => {
    const x = tf.tensor2d([1, -2, 3, 0.5, 4, -1], [2, 3]);
    const v = tf.variable(tf.tensor2d([0.5, 1, -1, 2, 0, 3], [3, 2]), true, 'saved-tensors-w');
    // Σ ((x∘x)·v) ∘ s with s = sigmoid(x[:, :2]): Multiply, MatMul and Sigmoid all save tensors for their gradients
    const loss = () => tf.sum(tf.mul(tf.matMul(tf.mul(x, x), v), tf.sigmoid(x.slice([0, 0], [2, 2])))) as tf.Scalar;
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(loss);
      tf.dispose([value, ...Object.values(grads)]);
    });
    expect(profile.kernels.length).toBeGreaterThan(5);
    expect(profile.kernels.filter((k) => k.name === 'Identity').length).toBe(0);
    const { value, grads } = tf.variableGrads(loss);
    const want = tf.tidy(() => tf.matMul(tf.mul(x, x), tf.sigmoid(x.slice([0, 0], [2, 2])), true, false)); // (x∘x)ᵀ·s
    const got = grads['saved-tensors-w'].dataSync();
    want.dataSync().forEach((n, i) => expect(got[i]).toBeCloseTo(n, 5));
    tf.dispose([x, v, want, value, ...Object.values(grads)]);
  });

  it('leak nothing: every saved tensor is released with its gradient', () => {
    const x = tf.tensor1d([0.3, -1.2, 2.5, 4]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grad } = tf.valueAndGrad((t: tf.Tensor) => tf.sum(tf.mul(tf.exp(t), tf.square(t))) as tf.Scalar)(
        x,
      );
      tf.dispose([value, grad]);
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('nested gradients keep tfjs own clone and stay right (d²/dx² x³ = 6x)', () => {
    const x = tf.tensor1d([1, -2, 0.5]);
    const second = tf.grad(
      (t: tf.Tensor) =>
        tf
          .grad((u: tf.Tensor) => tf.sum(tf.pow(u, 3)))(t)
          .sum() as tf.Scalar,
    )(x);
    expect(Array.from(second.dataSync())).toEqual([6, -12, 3]);
    tf.dispose([x, second]);
  });
});
