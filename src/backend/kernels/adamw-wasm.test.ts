// The fused wasm AdamW update (adamw-wat.ts) against the composite ops it replaces: bit-identical parameters and
// moments over several steps, with and without weight decay, per-parameter learning rates, and sizes with a
// scalar tail; and against torch.optim.AdamW's golden numbers on wasm.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdamW } from '../../train/adamw';
import { initNodeBackend } from '../node';
import { tf } from '../tf';
import { ADAMW_UPDATE, fusedAdamWAvailable, registerAdamW } from './adamw-wasm';

beforeAll(async () => {
  expect(await initNodeBackend('wasm')).toBe('wasm');
});

afterAll(() => registerAdamW());

/** Runs `steps` AdamW updates on fresh parameters of `sizes`; returns every parameter and moment afterwards. */
async function run(fused: boolean, sizes: number[], weightDecay: number, steps: number): Promise<Float32Array[]> {
  if (fused) registerAdamW();
  else if (tf.getKernel(ADAMW_UPDATE, 'wasm')) tf.unregisterKernel(ADAMW_UPDATE, 'wasm');
  expect(fusedAdamWAvailable()).toBe(fused);
  const params = new Map(
    sizes.map((n, i) => [`p${i}`, tf.variable(tf.randomNormal([n], 0, 0.1, 'float32', 10 + i))] as const),
  );
  const lrTimes = new Map([['p1', 16]]); // LoRA+ gives B its own learning rate
  const opt = new AdamW(params, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay }, lrTimes);
  for (let s = 0; s < steps; s++) {
    const grads = new Map(
      sizes.map(
        (n, i) => [`p${i}`, tf.randomNormal([n], 0, s === 1 ? 1e-3 : 1, 'float32', 1000 + 100 * s + i)] as const,
      ),
    );
    opt.apply(grads, 2e-4 * (s + 1));
    tf.dispose([...grads.values()]);
  }
  const state = await opt.getState();
  const out = [...params.values()].map((p) => p.dataSync() as Float32Array);
  for (const name of params.keys()) out.push(state.m[name], state.v[name]);
  opt.dispose();
  tf.dispose([...params.values()]);
  return out;
}

describe('fused AdamW on wasm', () => {
  it('is registered with our wasm kernels', () => {
    expect(fusedAdamWAvailable()).toBe(true);
  });

  it.each([0, 0.01])('equals the composite update bit for bit (weight decay %s)', async (wd) => {
    const sizes = [16 * 576, 1536 * 16, 7, 1027]; // whole vectors, and 3-element tails
    const fused = await run(true, sizes, wd, 4);
    const composite = await run(false, sizes, wd, 4);
    fused.forEach((f, i) => expect(Array.from(f), `tensor ${i}`).toEqual(Array.from(composite[i])));
  });

  it('follows torch.optim.AdamW (the golden cases)', () => {
    registerAdamW();
    const golden = JSON.parse(readFileSync(path.resolve(__dirname, '../../../fixtures/lora/adamw.json'), 'utf8')) as {
      p0: number[];
      grads: number[][];
      cases: Array<{ lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; params: number[][] }>;
    };
    for (const c of golden.cases) {
      const p = tf.variable(tf.tensor1d(golden.p0));
      const opt = new AdamW(new Map([['p', p]]), c);
      for (let s = 0; s < golden.grads.length; s++) {
        const g = tf.tensor1d(golden.grads[s]);
        opt.apply(new Map([['p', g]]), c.lr);
        g.dispose();
        const got = p.dataSync();
        c.params[s].forEach((want, i) => expect(Math.abs(got[i] - want)).toBeLessThan(2e-6));
      }
      opt.dispose();
      p.dispose();
    }
  });
});
