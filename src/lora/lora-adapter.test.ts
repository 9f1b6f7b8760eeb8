import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { Rng } from '../util/rng';
import { AdapterStack } from './adapter-stack';
import { moduleSettings, patternValue, type LinearSpec } from './config';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../spec/lora-config';
import { dropoutMask, LoraAdapter } from './lora-adapter';

const LINEARS: LinearSpec[] = [0, 1].flatMap((i) => [
  { path: `model.layers.${i}.self_attn.q_proj`, inFeatures: 8, outFeatures: 8 },
  { path: `model.layers.${i}.self_attn.k_proj`, inFeatures: 8, outFeatures: 4 },
  { path: `model.layers.${i}.self_attn.v_proj`, inFeatures: 8, outFeatures: 4 },
  { path: `model.layers.${i}.self_attn.o_proj`, inFeatures: 8, outFeatures: 8 },
  { path: `model.layers.${i}.mlp.gate_proj`, inFeatures: 8, outFeatures: 12 },
  { path: `model.layers.${i}.mlp.up_proj`, inFeatures: 8, outFeatures: 12 },
  { path: `model.layers.${i}.mlp.down_proj`, inFeatures: 12, outFeatures: 8 },
]);

/** max |a − b| without leaking the temporaries. */
const maxAbs = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(a.sub(b))).dataSync()[0]);

const cfg = (over: Partial<LoraConfig>): LoraConfig => ({ ...DEFAULT_LORA_CONFIG, dropout: 0, ...over });

beforeAll(async () => {
  await initNodeBackend('cpu');
});

describe('LoRA config', () => {
  it('resolves rank/alpha patterns like PEFT (dot-boundary suffix regex)', () => {
    const c = cfg({
      rank: 8,
      alpha: 16,
      rankPattern: { q_proj: 4, 'layers\\.1\\.mlp\\.up_proj': 2 },
      alphaPattern: { up_proj: 3 },
    });
    expect(moduleSettings(c, 'model.layers.0.self_attn.q_proj')).toMatchObject({ rank: 4, alpha: 16, scale: 4 });
    expect(moduleSettings(c, 'model.layers.1.mlp.up_proj')).toMatchObject({ rank: 2, alpha: 3, scale: 1.5 });
    expect(moduleSettings(c, 'model.layers.0.mlp.up_proj')).toMatchObject({ rank: 8, alpha: 3 });
    expect(patternValue({ q_proj: 1 }, 'model.layers.0.self_attn.xq_proj')).toBeUndefined();
    expect(
      moduleSettings({ ...c, useRslora: true, rankPattern: {} }, 'model.layers.0.self_attn.v_proj').scale,
    ).toBeCloseTo(16 / Math.sqrt(8));
  });
});

describe('LoraAdapter', () => {
  it('targets all-linear, a name list and a layer subset; counts parameters', () => {
    const all = LoraAdapter.create(cfg({ rank: 2 }), LINEARS, new Rng(1));
    expect(all.modules.size).toBe(14);
    expect(all.parameterCount()).toBe(2 * LINEARS.reduce((n, l) => n + l.inFeatures + l.outFeatures, 0));
    const qv = LoraAdapter.create(cfg({ rank: 2, targets: ['q_proj', 'v_proj'], layers: [1] }), LINEARS, new Rng(1));
    expect([...qv.modules.keys()]).toEqual(['model.layers.1.self_attn.q_proj', 'model.layers.1.self_attn.v_proj']);
    expect(() => LoraAdapter.create(cfg({ targets: ['nope'] }), LINEARS, new Rng(1))).toThrow(/match no module/);
    all.dispose();
    qv.dispose();
  });

  it('initialises like PEFT: A within ±1/√in (Kaiming a=√5) or N(0, 1/r), B zero; same seed same weights', async () => {
    const a1 = LoraAdapter.create(cfg({ rank: 4 }), LINEARS, new Rng(7));
    const a2 = LoraAdapter.create(cfg({ rank: 4 }), LINEARS, new Rng(7));
    const w1 = await a1.weights();
    const w2 = await a2.weights();
    for (const [path, w] of w1) {
      const bound = 1 / Math.sqrt(a1.modules.get(path)!.inFeatures);
      expect(Math.max(...w.loraA.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(w.loraB.every((x) => x === 0)).toBe(true);
      expect(w2.get(path)!.loraA).toEqual(w.loraA);
    }
    const g = LoraAdapter.create(
      cfg({ rank: 4, init: 'gaussian' }),
      [{ path: 'model.layers.0.mlp.up_proj', inFeatures: 4000, outFeatures: 4 }],
      new Rng(3),
    );
    const a = (await g.weights()).get('model.layers.0.mlp.up_proj')!.loraA;
    const std = Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std).toBeCloseTo(0.25, 2);
    [a1, a2, g].forEach((x) => x.dispose());
  });

  it('computes scale·x·Aᵀ·Bᵀ, applies inverted dropout only in training, and leaks no tensors', () => {
    const c = cfg({ rank: 2, alpha: 6, targets: ['q_proj'], dropout: 0.5 });
    const ad = LoraAdapter.create(c, LINEARS, new Rng(1));
    const path = 'model.layers.0.self_attn.q_proj';
    const m = ad.modules.get(path)!;
    tf.tidy(() => m.loraB.assign(tf.randomNormal([8, 2], 0, 1, 'float32', 5)));
    const x = tf.randomNormal([3, 8], 0, 1, 'float32', 9) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    const d = ad.delta(path, x)!;
    const want = tf.tidy(() => x.matMul(m.loraA.transpose()).matMul(m.loraB.transpose()).mul(3));
    expect(maxAbs(d, want)).toBeLessThan(1e-5);
    expect(ad.delta('model.layers.0.self_attn.k_proj', x)).toBeNull();
    d.dispose();
    want.dispose();
    expect(tf.memory().numTensors).toBe(before);

    ad.training = true;
    ad.setDropoutRng(new Rng(2));
    const dropped = tf.tidy(() => ad.delta(path, tf.ones([200, 8]) as tf.Tensor2D)!.sub(0));
    // With x = 1, each row's delta depends on which inputs were kept: rows must differ, as must train vs eval.
    const rows = dropped.arraySync() as number[][];
    expect(new Set(rows.map((r) => r[0].toFixed(5))).size).toBeGreaterThan(10);
    dropped.dispose();
    x.dispose();
    ad.dispose();
  });

  it('dropout masks drop a fraction p, scale the rest by 1/(1−p), and replay from the same rng state', () => {
    const rng = new Rng(5);
    const state = rng.getState();
    const m = dropoutMask(200_000, 0.1, rng);
    const dropped = m.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / m.length;
    expect(dropped).toBeGreaterThan(0.097);
    expect(dropped).toBeLessThan(0.103);
    expect(m.find((v) => v !== 0)).toBeCloseTo(1 / 0.9, 6);
    rng.setState(state);
    expect(dropoutMask(200_000, 0.1, rng)).toEqual(m);
  });

  it('AdapterStack sums weighted deltas and switches adapters without touching them', () => {
    const path = 'model.layers.0.self_attn.q_proj';
    const mk = (seed: number) => {
      const ad = LoraAdapter.create(cfg({ rank: 2, alpha: 4, targets: ['q_proj'] }), LINEARS, new Rng(seed));
      tf.tidy(() => ad.modules.get(path)!.loraB.assign(tf.randomNormal([8, 2], 0, 1, 'float32', seed)));
      return ad;
    };
    const a = mk(1);
    const b = mk(2);
    const stack = new AdapterStack();
    const x = tf.randomNormal([4, 8], 0, 1, 'float32', 3) as tf.Tensor2D;
    expect(stack.delta(path, x)).toBeNull();
    stack.set('a', a, 0.5);
    stack.set('b', b, -2);
    const got = stack.delta(path, x)!;
    const want = tf.tidy(() => a.delta(path, x)!.mul(0.5).add(b.delta(path, x)!.mul(-2)));
    expect(maxAbs(got, want)).toBeLessThan(1e-5);
    stack.remove('b');
    const onlyA = stack.delta(path, x)!;
    const wantA = tf.tidy(() => a.delta(path, x)!.mul(0.5));
    expect(maxAbs(onlyA, wantA)).toBeLessThan(1e-6);
    [got, want, onlyA, wantA, x].forEach((t) => t.dispose());
    a.dispose();
    b.dispose();
  });
});
