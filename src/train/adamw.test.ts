import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { AdamW } from './adamw';
import { clipByGlobalNorm } from './clip';
import { learningRate } from './schedule';

interface AdamGolden {
  p0: number[];
  grads: number[][];
  cases: Array<{ lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; params: number[][] }>;
}

beforeAll(async () => {
  await initNodeBackend('cpu');
});

describe('AdamW', () => {
  const golden = JSON.parse(
    readFileSync(path.resolve(__dirname, '../../fixtures/lora/adamw.json'), 'utf8'),
  ) as AdamGolden;

  it.each(golden.cases.map((c, i) => [i, c] as const))('follows torch.optim.AdamW (case %i)', async (_i, c) => {
    const p = tf.variable(tf.tensor1d(golden.p0));
    const opt = new AdamW(new Map([['p', p]]), {
      beta1: c.beta1,
      beta2: c.beta2,
      eps: c.eps,
      weightDecay: c.weightDecay,
    });
    for (let s = 0; s < golden.grads.length; s++) {
      const g = tf.tensor1d(golden.grads[s]);
      opt.apply(new Map([['p', g]]), c.lr);
      g.dispose();
      const got = await p.data();
      c.params[s].forEach((want, i) => expect(Math.abs(got[i] - want)).toBeLessThan(2e-6));
    }
    // State survives a round trip: a fresh optimizer continues identically.
    const state = await opt.getState();
    const q = tf.variable(p.clone());
    const opt2 = new AdamW(new Map([['p', q]]), opt.config);
    opt2.setState(state);
    const g = tf.tensor1d([0.1, -0.2, 0.3, 0, 1, -1]);
    opt.apply(new Map([['p', g]]), c.lr);
    opt2.apply(new Map([['p', g]]), c.lr);
    expect(await q.data()).toEqual(await p.data());
    [g, p, q].forEach((t) => t.dispose());
    opt.dispose();
    opt2.dispose();
  });
});

describe('schedules (transformers get_scheduler semantics)', () => {
  const c = { lr: 1, warmupSteps: 4, totalSteps: 20 };
  it('warms up linearly from 0 for every kind', () => {
    for (const kind of ['constant', 'linear', 'cosine'] as const) {
      expect([0, 1, 2, 3, 4].map((s) => learningRate({ ...c, kind }, s))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    }
  });
  it('decays: constant stays, linear (T−t)/(T−W), cosine ½(1+cos πp)', () => {
    expect(learningRate({ ...c, kind: 'constant' }, 19)).toBe(1);
    expect(learningRate({ ...c, kind: 'linear' }, 12)).toBeCloseTo(8 / 16, 12);
    expect(learningRate({ ...c, kind: 'linear' }, 20)).toBe(0);
    expect(learningRate({ ...c, kind: 'cosine' }, 12)).toBeCloseTo(0.5, 12);
    expect(learningRate({ ...c, kind: 'cosine' }, 8)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(learningRate({ ...c, kind: 'cosine' }, 20)).toBeCloseTo(0, 12);
  });
});

describe('global-norm clipping', () => {
  it('scales all gradients together by max/(norm+1e-6) only above the threshold', async () => {
    const mk = () =>
      new Map([
        ['a', tf.tensor1d([3, 0])],
        ['b', tf.tensor1d([0, 4])],
      ]);
    const { grads, norm } = await clipByGlobalNorm(mk(), 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(await grads.get('a')!.data())[0]).toBeCloseTo(3 / (5 + 1e-6), 6);
    const untouched = await clipByGlobalNorm(mk(), 10);
    expect(Array.from(await untouched.grads.get('b')!.data())).toEqual([0, 4]);
    [...grads.values(), ...untouched.grads.values()].forEach((t) => t.dispose());
  });
});
