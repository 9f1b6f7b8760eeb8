import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { AdamW } from './adamw';
import { loraPlusMultipliers } from './lora-plus';

beforeAll(async () => {
  await initNodeBackend('cpu');
});

describe('LoRA+', () => {
  it('B matrices and 1-D magnitudes step at lr × ratio, A at lr (Adam: a first step moves each entry by ≈ its lr)', async () => {
    const vars = new Map<string, tf.Variable>([
      ['model.layers.0.self_attn.q_proj.lora_A', tf.variable(tf.zeros([2, 3]))],
      ['model.layers.0.self_attn.q_proj.lora_B', tf.variable(tf.zeros([4, 2]))],
      ['model.layers.0.self_attn.q_proj.lora_magnitude_vector', tf.variable(tf.zeros([4]))],
    ]);
    const mult = loraPlusMultipliers(vars, 16);
    expect([...mult]).toEqual([
      ['model.layers.0.self_attn.q_proj.lora_B', 16],
      ['model.layers.0.self_attn.q_proj.lora_magnitude_vector', 16],
    ]);
    expect(loraPlusMultipliers(vars, undefined).size).toBe(0);
    const opt = new AdamW(vars, undefined, mult);
    const grads = new Map([...vars].map(([n, v]) => [n, tf.onesLike(v)] as const));
    opt.apply(grads, 1e-3);
    const [a, b, m] = await Promise.all([...vars.values()].map((v) => v.data()));
    expect(a.every((x) => Math.abs(x + 1e-3) < 1e-7)).toBe(true);
    expect(b.every((x) => Math.abs(x + 16e-3) < 1e-6)).toBe(true);
    expect(m.every((x) => Math.abs(x + 16e-3) < 1e-6)).toBe(true);
    opt.dispose();
    tf.dispose([...grads.values(), ...vars.values()]);
  });
});
