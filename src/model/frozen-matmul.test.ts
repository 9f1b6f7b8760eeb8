import { describe, expect, it } from 'vitest';
import { initNodeBackend, type NodeBackendName } from '../backend/node';
import { tf, type Tensor2D } from '../backend/tf';
import { maxAbsDiff } from '../test-utils/tolerance';
import { matMulFrozenT } from './frozen-matmul';

for (const backend of ['wasm', 'cpu'] as NodeBackendName[]) {
  describe(`matMulFrozenT (${backend})`, () => {
    it('equals x·Wᵀ and its x-gradient equals dy·W (odd shapes)', async () => {
      await initNodeBackend(backend);
      const x = tf.randomNormal([7, 13], 0, 1, 'float32', 3) as Tensor2D;
      const w = tf.randomNormal([5, 13], 0, 1, 'float32', 4) as Tensor2D;
      const dy = tf.randomNormal([7, 5], 0, 1, 'float32', 5) as Tensor2D;
      const want = tf.matMul(x, w, false, true);
      const got = matMulFrozenT(x, w);
      expect(maxAbsDiff(await got.data(), await want.data())).toBeLessThan(1e-5);
      const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(matMulFrozenT(xi as Tensor2D, w), dy)))(x);
      const gWant = tf.matMul(dy, w);
      expect(maxAbsDiff(await g.data(), await gWant.data())).toBeLessThan(1e-5);
      tf.dispose([x, w, dy, want, got, g, gWant]);
    });
  });
}

describe('matMulFrozenT input gradient of a big W on wasm', () => {
  it('is dy·W when W is multiplied in row blocks (no W-sized XNNPACK operator kept)', async () => {
    await initNodeBackend('wasm');
    // 9000 × 500 = 4.5 Mi values (18 MB): above the 4 Mi-value block, so it runs in two row blocks (one ragged).
    const w = tf.randomNormal([9000, 500], 0, 1, 'float32', 4) as Tensor2D;
    const x = tf.randomNormal([16, 500], 0, 1, 'float32', 3) as Tensor2D;
    const dy = tf.randomNormal([16, 9000], 0, 1, 'float32', 5) as Tensor2D;
    const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(matMulFrozenT(xi as Tensor2D, w), dy)))(x);
    const want = tf.matMul(dy, w);
    const scale = Math.max(...Array.from(await want.data(), Math.abs));
    expect(maxAbsDiff(await g.data(), await want.data()) / scale).toBeLessThan(1e-5);
    tf.dispose([w, x, dy, g, want]);
  });
});
