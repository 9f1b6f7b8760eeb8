// The one-kernel RoPE (wasm) against the composite ops it replaces: the same values bit for bit, forward and
// gradient, with the score scale or without, one cos/sin row set for all rows or one per row (padded batches), and
// a whole model's LoRA gradients and logits unchanged by it.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf, type Tensor4D } from '../tf';
import { applyRope, RopeTables } from '../../model/rope';
import { fusedRope, ropeKernelAvailable, ropeKernelSettings } from './rope-wasm';
import { loraModelCase } from '../../test-utils/lora-model-grads';

beforeAll(async () => {
  await initNodeBackend('wasm');
});
afterEach(() => {
  ropeKernelSettings.enabled = true;
});

/** y = RoPE(x)·scale and dL/dx for L = Σ y ⊙ w, by the kernel or by the composite ops. */
async function ropeAndGradient(
  x: Tensor4D,
  cos: Tensor4D,
  sin: Tensor4D,
  rotation: tf.Tensor2D,
  scale: number,
  w: tf.Tensor,
  fused: boolean,
): Promise<{ y: Float32Array; dx: Float32Array }> {
  const f = (t: tf.Tensor) =>
    fused ? fusedRope(t as Tensor4D, cos, sin, scale) : tf.mul(applyRope(t as Tensor4D, cos, sin, rotation), scale);
  const y = f(x);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x);
  const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
  tf.dispose([y, dx]);
  return out;
}

describe('LoraStudioRope', () => {
  it('is registered on wasm', () => {
    expect(ropeKernelAvailable()).toBe(true);
  });

  for (const { headDim, heads, perRow, scale } of [
    { headDim: 64, heads: 9, perRow: false, scale: 1 / 8 },
    { headDim: 64, heads: 3, perRow: false, scale: 1 },
    { headDim: 128, heads: 4, perRow: true, scale: 1 / Math.sqrt(128) }, // a scale that rounds
    { headDim: 6, heads: 2, perRow: true, scale: 1 / Math.sqrt(6) },
  ])
    it(`equals the composite bit for bit: headDim ${headDim}, ${heads} heads, per-row positions ${perRow}, scale ${scale.toPrecision(3)}`, async () => {
      const [batch, seq] = [2, 5];
      const rope = new RopeTables({ headDim, ropeTheta: 10000, ropeScaling: null });
      const positions = perRow ? Int32Array.from([3, 4, 5, 6, 7, 0, 0, 1, 2, 3]) : null;
      const { cos, sin, rotation } = rope.forTokens(batch, seq, 11, positions);
      const x = tf.randomNormal([batch, seq, heads, headDim], 0, 3, 'float32', 7) as Tensor4D;
      const w = tf.randomNormal([batch, seq, heads, headDim], 0, 1, 'float32', 8);
      const fused = await ropeAndGradient(x, cos, sin, rotation, scale, w, true);
      const composite = await ropeAndGradient(x, cos, sin, rotation, scale, w, false);
      expect(Array.from(fused.y)).toEqual(Array.from(composite.y));
      expect(Array.from(fused.dx)).toEqual(Array.from(composite.dx));
      tf.dispose([cos, sin, x, w]);
      rope.dispose();
    });

  it('a model: LoRA loss and gradients unchanged, with fewer kernels', async () => {
    const { model, adapter, run, dispose } = await loraModelCase(0);
    const kernelCount = async () => (await tf.profile(run)).kernels.length;
    const fused = await run();
    const fusedKernels = await kernelCount();
    ropeKernelSettings.enabled = false;
    const composite = await run();
    const compositeKernels = await kernelCount();
    expect(Array.from(fused.loss)).toEqual(Array.from(composite.loss));
    expect(fused.grads.length).toBe(adapter.variables().size);
    expect(fused.grads.map((g) => Array.from(g))).toEqual(composite.grads.map((g) => Array.from(g)));
    // Per layer q and k: one kernel forward and one backward each, for ~12 composite ones.
    expect(compositeKernels - fusedKernels).toBeGreaterThanOrEqual(10 * model.config.layers);
    dispose();
  });
});
