// Gradient clipping's Σ x² read straight from the wasm heap, against float64 and the composite ops it replaces.
import { describe, expect, it } from 'vitest';
import { globalNorm } from '../../train/clip';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { wasmSumOfSquares } from './sum-squares-wasm';

describe('Σ x² on the wasm heap', () => {
  it('equals float64 and the composite norm, over tensors of any size', async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
    const ts = [9216, 7, 24576, 1].map((n, i) => tf.randomNormal([n], 0, 0.3, 'float32', 20 + i));
    let want = 0;
    for (const t of ts) for (const x of t.dataSync()) want += x * x;
    const got = wasmSumOfSquares(ts)!;
    expect(Math.abs(got - want) / want).toBeLessThan(1e-12);
    // The composite ops sum in float32: 1.2e-6 off here, where float64 is exact to 1e-12.
    const composite = tf.tidy(() => tf.addN(ts.map((g) => g.square().sum())).sqrt()).dataSync()[0];
    expect(Math.abs((await globalNorm(ts)) - composite) / composite).toBeLessThan(1e-5);
    const bad = tf.tensor1d([1, Number.NaN]);
    expect(Number.isNaN(wasmSumOfSquares([...ts, bad]))).toBe(true); // clipping then leaves the step to the finite check
    tf.dispose([...ts, bad]);
  });

  it('is not used off wasm', async () => {
    expect(await initNodeBackend('cpu')).toBe('cpu');
    const t = tf.ones([3]);
    expect(wasmSumOfSquares([t])).toBeNull();
    expect(await globalNorm([t])).toBeCloseTo(Math.sqrt(3), 6);
    t.dispose();
  });
});
