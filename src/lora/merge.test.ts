import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { Rng } from '../util/rng';
import { type LinearSpec } from './config';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { LoraAdapter } from './lora-adapter';
import { mergeConcat, mergeSvd } from './merge';

const LINEARS: LinearSpec[] = [
  { path: 'model.layers.0.self_attn.q_proj', inFeatures: 16, outFeatures: 16 },
  { path: 'model.layers.0.mlp.down_proj', inFeatures: 24, outFeatures: 16 },
];

beforeAll(async () => {
  await initNodeBackend('cpu');
});

async function randomAdapter(seed: number, rank: number, alpha: number, rslora = false): Promise<LoraAdapter> {
  const ad = LoraAdapter.create(
    { ...DEFAULT_LORA_CONFIG, rank, alpha, useRslora: rslora, dropout: 0 },
    LINEARS,
    new Rng(seed),
  );
  const rng = new Rng(seed + 100);
  const w = await ad.weights();
  for (const v of w.values()) for (let i = 0; i < v.loraB.length; i++) v.loraB[i] = rng.normal();
  ad.setWeights(w);
  return ad;
}

/** ΔW = Σ wᵢ·scaleᵢ·Bᵢ·Aᵢ in Float64, [out, in]. */
async function deltaW(parts: Array<{ adapter: LoraAdapter; weight: number }>, path: string): Promise<Float64Array> {
  const spec = LINEARS.find((l) => l.path === path)!;
  const out = new Float64Array(spec.outFeatures * spec.inFeatures);
  for (const { adapter, weight } of parts) {
    const m = adapter.modules.get(path)!;
    const w = (await adapter.weights()).get(path)!;
    for (let o = 0; o < spec.outFeatures; o++)
      for (let i = 0; i < spec.inFeatures; i++)
        for (let r = 0; r < m.rank; r++)
          out[o * spec.inFeatures + i] += weight * m.scale * w.loraB[o * m.rank + r] * w.loraA[r * spec.inFeatures + i];
  }
  return out;
}

const maxDiff = (a: Float64Array, b: Float64Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('adapter merges', async () => {
  it('concatenation is exact: rank = Σ rᵢ, weights and scales folded in', async () => {
    const a = await randomAdapter(1, 2, 4);
    const b = await randomAdapter(2, 3, 6, true);
    const inputs = [
      { adapter: a, weight: 0.7 },
      { adapter: b, weight: -0.4 },
    ];
    const merged = await mergeConcat(inputs, LINEARS);
    for (const l of LINEARS) {
      expect(merged.modules.get(l.path)!.rank).toBe(5);
      expect(merged.modules.get(l.path)!.scale).toBe(1);
      expect(
        maxDiff(await deltaW([{ adapter: merged, weight: 1 }], l.path), await deltaW(inputs, l.path)),
      ).toBeLessThan(1e-5);
    }
    [a, b, merged].forEach((x) => x.dispose());
  });

  it('SVD merge at full combined rank reproduces ΔW; at lower rank it is the optimal truncation', async () => {
    const a = await randomAdapter(3, 2, 2);
    const b = await randomAdapter(4, 2, 8);
    const inputs = [
      { adapter: a, weight: 1 },
      { adapter: b, weight: 0.5 },
    ];
    const full = await mergeSvd(inputs, 4, LINEARS);
    const low = await mergeSvd(inputs, 2, LINEARS);
    const pad = await mergeSvd(inputs, 6, LINEARS);
    for (const l of LINEARS) {
      const want = await deltaW(inputs, l.path);
      const scaleRef = Math.max(...want.map(Math.abs));
      expect(maxDiff(await deltaW([{ adapter: full, weight: 1 }], l.path), want) / scaleRef).toBeLessThan(1e-5);
      expect(maxDiff(await deltaW([{ adapter: pad, weight: 1 }], l.path), want) / scaleRef).toBeLessThan(1e-5);
      const approx = await deltaW([{ adapter: low, weight: 1 }], l.path);
      const err = want.reduce((s, x, i) => s + (x - approx[i]) ** 2, 0);
      const total = want.reduce((s, x) => s + x * x, 0);
      expect(err).toBeGreaterThan(0);
      expect(err).toBeLessThan(total);
      expect(low.modules.get(l.path)!.rank).toBe(2);
    }
    // The merged adapter is an ordinary adapter: it applies through the hook like any other.
    const x = tf.randomNormal([2, 16]) as tf.Tensor2D;
    const y = full.delta(LINEARS[0].path, x)!;
    expect(y.shape).toEqual([2, 16]);
    [x, y].forEach((t) => t.dispose());
    [a, b, full, low, pad].forEach((ad) => ad.dispose());
  });
});
