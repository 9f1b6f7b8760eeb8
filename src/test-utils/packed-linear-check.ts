/** Checks of a packed (int8/int4/nf4) QuantLinear shared by the host-kernel tests and the WGSL-kernel tests. */
import { expect } from 'vitest';
import { tf } from '../backend/tf';
import type { Linear } from '../model/linear';
import { QuantLinear } from '../model/quant-linear';
import { dequantize } from '../quant/dequantize';
import type { GroupSize, PackedMode } from '../quant/packed';
import { quantize } from '../quant/quantize';
import { maxRelError, randomUniform, randomWeight, referenceMatmul, refForward } from '../quant/synthetic';

/**
 * Forward and input gradient of a seeded `[out, inp]` weight packed as `mode` (groups of `g`) at `m` rows, against
 * x·dequant(W)ᵀ (+ bias) and dy·dequant(W) in plain JS, to 1e-5 relative.
 */
export async function checkPackedLinear(
  mode: PackedMode,
  shape: { out: number; inp: number; g: GroupSize },
  m: number,
  seed: number,
  withBias: boolean,
): Promise<void> {
  const { out, inp, g } = shape;
  const w = randomWeight(out * inp, seed);
  const bias = withBias ? randomUniform(out, seed + 1) : null;
  const packed = quantize(w, [out, inp], mode, g);
  const ref = dequantize(packed);
  const lin = new QuantLinear(packed, bias);
  const xv = randomUniform(m * inp, seed + 2);
  const dyv = randomUniform(m * out, seed + 3);
  const x = tf.tensor2d(xv, [m, inp]); // [m, in]
  const dy = tf.tensor2d(dyv, [m, out]); // [m, out]
  const y = lin.apply(x); // [m, out]
  const dx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(lin.apply(xx as tf.Tensor2D), dy)))(x); // [m, in]
  const label = `${mode} [${out}, ${inp}] g${g} M=${m}`;
  expect(y.shape, label).toEqual([m, out]);
  expect(maxRelError(await y.data(), refForward(xv, ref, m, inp, out, bias)), `forward ${label}`).toBeLessThan(1e-5);
  expect(maxRelError(await dx.data(), referenceMatmul(dyv, ref, m, out, inp)), `input grad ${label}`).toBeLessThan(
    1e-5,
  );
  tf.dispose([x, dy, y, dx]);
  lin.dispose();
}

/** `lin.apply` and its input gradient on `rows` random rows leave no tensor behind; disposes `lin`. */
export function expectNoLeakAcrossApplyAndGrad(lin: Linear, rows: number, inFeatures: number): void {
  const x = tf.randomNormal([rows, inFeatures]) as tf.Tensor2D;
  const before = tf.memory().numTensors;
  tf.dispose(lin.apply(x));
  tf.dispose(tf.grad((xx: tf.Tensor) => tf.sum(lin.apply(xx as tf.Tensor2D)))(x));
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose(x);
  lin.dispose();
}
