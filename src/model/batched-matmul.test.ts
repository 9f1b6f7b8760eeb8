import { describe, expect, it } from 'vitest';
import { initNodeBackend, type NodeBackendName } from '../backend/node';
import { tf } from '../backend/tf';
import { registerWasmKernelOverrides, unregisterWasmKernelOverrides } from '../backend/kernels/register-wasm';
import { maxAbsDiff } from '../test-utils/tolerance';
import { batchedMatMul, batchedMatMulTransposeB } from './batched-matmul';

// 'wasm-stock': wasm with tfjs's own BatchMatMul (our override unregistered), where the 2-D loop path runs.
for (const variant of ['wasm', 'wasm-stock', 'cpu'] as const) {
  describe(`batched attention matMuls (${variant})`, () => {
    it('match tf.matMul in value and in both gradients', async () => {
      await initNodeBackend(variant === 'cpu' ? 'cpu' : ('wasm' as NodeBackendName));
      if (variant === 'wasm-stock') unregisterWasmKernelOverrides();
      const a = tf.randomNormal([2, 3, 5, 7], 0, 1, 'float32', 1);
      const b = tf.randomNormal([2, 3, 7, 4], 0, 1, 'float32', 2);
      const bt = tf.randomNormal([2, 3, 4, 7], 0, 1, 'float32', 3);
      const w = tf.randomNormal([2, 3, 5, 4], 0, 1, 'float32', 4);
      const loss = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(f(x, y), w));
      const cases: [
        string,
        (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
        (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
        tf.Tensor,
      ][] = [
        ['a·b', batchedMatMul, (x, y) => tf.matMul(x, y), b],
        ['a·bᵀ', batchedMatMulTransposeB, (x, y) => tf.matMul(x, y, false, true), bt],
      ];
      for (const [, ours, ref, rhs] of cases) {
        expect(maxAbsDiff(await ours(a, rhs).data(), await ref(a, rhs).data())).toBeLessThan(1e-5);
        const [ga, gb] = tf.grads(loss(ours))([a, rhs]);
        const [ra, rb] = tf.grads(loss(ref))([a, rhs]);
        expect(maxAbsDiff(await ga.data(), await ra.data())).toBeLessThan(1e-5);
        expect(maxAbsDiff(await gb.data(), await rb.data())).toBeLessThan(1e-5);
      }
      tf.disposeVariables();
      if (variant === 'wasm-stock') registerWasmKernelOverrides();
    });
  });
}
