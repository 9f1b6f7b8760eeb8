// The one-op LoRA path (wasm) against the composite ops it replaces: the same output and the same gradients for y,
// x, A and B (to float rounding), with dropout and without, at sizes whose element count is no multiple of 4 (the
// mask's JS tail); its SIMD mask equal to dropout-stream.ts's JS one; and a whole model's LoRA training gradients
// unchanged, with fewer kernels and no leaked tensors.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { fusedLoraDelta, loraDeltaAvailable, loraDeltaSettings, type LoraDeltaAttrs } from './lora-delta-wasm';
import { dropoutKeep, dropoutMaskFromSeed, dropoutSeed, dropoutThreshold } from '../../util/dropout-stream';
import { Rng } from '../../util/rng';
import { loraModelCase } from '../../test-utils/lora-model-grads';
import { errorOverLargest } from '../../test-utils/tolerance';

beforeAll(async () => {
  await initNodeBackend('wasm');
});
afterEach(() => {
  loraDeltaSettings.enabled = true;
});

type Op = (y: tf.Tensor2D, x: tf.Tensor2D, a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** The composite: y + scale · ((x ⊙ mask)·Aᵀ)·Bᵀ with the mask dropout-stream.ts makes from the same seed. */
function composite(attrs: LoraDeltaAttrs, p: number): Op {
  return (y, x, a, b) => {
    const xm = attrs.threshold === 0 ? x : x.mul(tf.tensor2d(dropoutMaskFromSeed(x.size, p, attrs.seed), x.shape));
    return y.add(tf.matMul(tf.matMul(xm, a, false, true), b, false, true).mul(attrs.scale)) as tf.Tensor2D;
  };
}

/** The op's output and the gradients of Σ out ⊙ w with respect to y, x, A and B. */
async function valueAndGrads(op: Op, inputs: tf.Tensor2D[], w: tf.Tensor) {
  const f = (y: tf.Tensor, x: tf.Tensor, a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(op(y as tf.Tensor2D, x as tf.Tensor2D, a as tf.Tensor2D, b as tf.Tensor2D), w));
  const [y, x, a, b] = inputs;
  const out = op(y, x, a, b);
  const grads = tf.grads(f)(inputs);
  const result = { out: await out.data(), grads: await Promise.all(grads.map((g) => g.data())) };
  tf.dispose([out, ...grads]);
  return result;
}

describe('LoraStudioLoraDelta', () => {
  it('is registered on wasm', () => {
    expect(loraDeltaAvailable()).toBe(true);
  });

  for (const { rows, inp, out, rank, p } of [
    { rows: 64, inp: 96, out: 80, rank: 16, p: 0.05 },
    { rows: 7, inp: 13, out: 9, rank: 3, p: 0.3 }, // 91 values: the mask's tail in JS
    { rows: 16, inp: 32, out: 48, rank: 8, p: 0 },
  ])
    it(`equals the composite, value and every gradient: ${rows} × ${inp} → ${out}, rank ${rank}, dropout ${p}`, async () => {
      const attrs: LoraDeltaAttrs =
        p > 0
          ? { scale: 2.5, threshold: dropoutThreshold(p), keep: dropoutKeep(p), seed: dropoutSeed(new Rng(rows)) }
          : { scale: 0.75, threshold: 0, keep: 1, seed: [] };
      const shapes: Array<[number, number]> = [
        [rows, out],
        [rows, inp],
        [rank, inp],
        [out, rank],
      ];
      const inputs = shapes.map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', 10 + i) as tf.Tensor2D);
      const w = tf.randomNormal([rows, out], 0, 1, 'float32', 20);
      const fused = await valueAndGrads((y, x, a, b) => fusedLoraDelta(y, x, a, b, attrs), inputs, w);
      const want = await valueAndGrads(composite(attrs, p), inputs, w);
      expect(errorOverLargest(fused.out, want.out)).toBeLessThan(1e-5);
      for (const [i, name] of ['y', 'x', 'A', 'B'].entries())
        expect(errorOverLargest(fused.grads[i], want.grads[i]), name).toBeLessThan(1e-5);
      tf.dispose([...inputs, w]);
    });

  it('computes the gradients in one op, and frees those a backward pass never took at the next one', async () => {
    const shapes: Array<[number, number]> = [
      [8, 12],
      [8, 16],
      [4, 16],
      [12, 4],
    ];
    const [y, x, a, b] = shapes.map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', 30 + i) as tf.Tensor2D);
    const attrs: LoraDeltaAttrs = { scale: 2, threshold: 0, keep: 1, seed: [] };
    const loss = (t: tf.Tensor) => tf.sum(fusedLoraDelta(y, t as tf.Tensor2D, a, b, attrs));
    const before = tf.memory().numTensors;
    const kernels = (await tf.profile(() => tf.dispose(tf.grads((...t: tf.Tensor[]) => loss(t[0]))([x])))).kernels;
    expect(kernels.filter((k) => k.name === 'LoraStudioLoraDeltaGrad')).toHaveLength(1);
    // Only dx was asked for: dA and dB wait for the next backward pass, which frees them.
    expect(tf.memory().numTensors).toBe(before + 2);
    const all = tf.grads((...t: tf.Tensor[]) => {
      const [tx, ta, tb] = t as tf.Tensor2D[];
      return tf.sum(fusedLoraDelta(y, tx, ta, tb, attrs));
    });
    tf.dispose(all([x, a, b]));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([y, x, a, b]);
  });

  it("drops exactly the composite's elements: x = 1, A and B picking single columns", async () => {
    const [rows, inp, p] = [5, 11, 0.5];
    const seed = dropoutSeed(new Rng(4));
    const attrs = { scale: 1, threshold: dropoutThreshold(p), keep: dropoutKeep(p), seed };
    // A = I (rank = in) and B = I (out = in): out = y + x ⊙ mask = mask with y = 0 and x = 1
    const eye = tf.eye(inp) as tf.Tensor2D;
    const y = tf.zeros([rows, inp]) as tf.Tensor2D;
    const x = tf.ones([rows, inp]) as tf.Tensor2D;
    const got = fusedLoraDelta(y, x, eye, eye, attrs);
    expect(Array.from(await got.data())).toEqual(Array.from(dropoutMaskFromSeed(rows * inp, p, seed)));
    tf.dispose([eye, y, x, got]);
  });

  it('a model: LoRA training gradients with dropout unchanged, fewer kernels, no tensor left behind', async () => {
    const { model, adapter, run: pass, dispose } = await loraModelCase(0.1);
    adapter.training = true;
    const run = () => {
      adapter.setDropoutRng(new Rng(11)); // the same masks in every run
      return pass();
    };
    const kernelCount = async () => (await tf.profile(run)).kernels.length;
    await run(); // the model's first forward caches its RoPE tables
    const before = tf.memory().numTensors;
    const fused = await run();
    expect(tf.memory().numTensors).toBe(before);
    const fusedKernels = await kernelCount();
    loraDeltaSettings.enabled = false;
    const want = await run();
    const compositeKernels = await kernelCount();
    expect(errorOverLargest(fused.loss, want.loss)).toBeLessThan(1e-5);
    expect(fused.grads.length).toBe(adapter.variables().size);
    for (const [i, g] of fused.grads.entries()) expect(errorOverLargest(g, want.grads[i])).toBeLessThan(1e-5);
    // Per adapted module (7 a layer): one op forward and three backward plus dy's reshape, where the composite ran
    // ~13 (mask upload, dropout, two products, scale, add, and their gradients): 109 fewer on this 2-layer model.
    expect(compositeKernels - fusedKernels).toBeGreaterThanOrEqual(7 * 7 * model.config.layers);
    dispose();
  });
});
