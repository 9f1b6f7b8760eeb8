import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { sampleCategorical } from './categorical';
import { greedy } from './greedy';
import { minPFilter } from './min-p';
import { applyRepetitionPenalty } from './repetition-penalty';
import { sampleToken, validateSamplingParams } from './sampler';
import { softmax } from './softmax';
import { applyTemperature } from './temperature';
import { kthLargest, topKFilter } from './top-k';
import { topPFilter } from './top-p';

const f32 = (xs: number[]) => Float32Array.from(xs);
const kept = (x: Float32Array) => [...x].flatMap((v, i) => (v > -Infinity ? [i] : []));
/** Logits whose softmax is exactly `probs` (up to float rounding). */
const fromProbs = (probs: number[]) => f32(probs.map(Math.log));

describe('greedy / softmax', () => {
  it('takes the first maximum and treats NaN as masked', () => {
    expect(greedy(f32([1, 3, 3, 2]))).toBe(1);
    expect(greedy(f32([NaN, -1, -Infinity]))).toBe(1);
    expect(() => greedy(f32([-Infinity, NaN]))).toThrow(/nothing can be sampled/);
  });
  it('gives probabilities that sum to 1 with masked entries at 0', () => {
    const p = softmax(f32([0, Math.log(3), -Infinity]));
    expect(p[0]).toBeCloseTo(0.25, 6);
    expect(p[1]).toBeCloseTo(0.75, 6);
    expect(p[2]).toBe(0);
  });
});

describe('repetition penalty (HF semantics)', () => {
  it('divides positive and multiplies negative logits of tokens in the context, once per id', () => {
    const out = applyRepetitionPenalty(f32([2, -2, 1, 0.5, 0]), [0, 1, 1, 1, 4, 99, -1], 2);
    expect([...out]).toEqual([1, -4, 1, 0.5, 0]);
  });
  it('is pure and a no-op at 1', () => {
    const logits = f32([2, -2]);
    expect([...applyRepetitionPenalty(logits, [0, 1], 1)]).toEqual([2, -2]);
    applyRepetitionPenalty(logits, [0], 3);
    expect([...logits]).toEqual([2, -2]);
  });
  it('a penalty < 1 encourages repeats', () => {
    expect([...applyRepetitionPenalty(f32([2, -2]), [0, 1], 0.5)]).toEqual([4, -1]);
  });
});

describe('temperature', () => {
  it('divides logits', () => {
    expect([...applyTemperature(f32([2, 4, -6]), 2)]).toEqual([1, 2, -3]);
    expect(() => applyTemperature(f32([1]), 0)).toThrow(/temperature/);
  });
});

describe('top-k', () => {
  it('keeps the k largest, and everything tied with the k-th', () => {
    expect(kept(topKFilter(f32([1, 5, 3, 4, 2]), 2))).toEqual([1, 3]);
    expect(kept(topKFilter(f32([1, 5, 3, 4, 2]), 3))).toEqual([1, 2, 3]);
    expect(kept(topKFilter(f32([1, 3, 3, 2]), 1))).toEqual([1, 2]);
    expect(kept(topKFilter(f32([1, 3, 3, 2]), 0))).toEqual([0, 1, 2, 3]);
    expect(kept(topKFilter(f32([1, 3, 3, 2]), 10))).toEqual([0, 1, 2, 3]);
  });
  it('finds the k-th largest like a full sort does', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 20; trial++) {
      const xs = Float32Array.from({ length: 1 + rng.nextInt(300) }, () => Math.round(rng.normal() * 20) / 4);
      const k = 1 + rng.nextInt(xs.length);
      const sorted = Float32Array.from(xs).sort().reverse();
      expect(kthLargest(xs, k)).toBe(sorted[k - 1]);
    }
  });
});

/** Hugging Face's TopPLogitsWarper, transcribed literally: ascending sort, cumsum, drop cumsum ≤ 1 − p. */
function hfTopP(logits: Float32Array, p: number): number[] {
  const probs = softmax(logits);
  const order = [...probs.keys()].sort((a, b) => probs[a] - probs[b]);
  const removed = new Set<number>();
  let cum = 0;
  order.forEach((id, rank) => {
    cum += probs[id];
    if (cum <= 1 - p && rank < order.length - 1) removed.add(id);
  });
  return [...probs.keys()].filter((i) => !removed.has(i) && probs[i] > 0);
}

describe('top-p', () => {
  it('keeps the smallest most-likely set reaching p, always at least the top token', () => {
    const logits = fromProbs([0.05, 0.5, 0.15, 0.3]);
    expect(kept(topPFilter(logits, 0.4))).toEqual([1]);
    expect(kept(topPFilter(logits, 0.6))).toEqual([1, 3]);
    expect(kept(topPFilter(logits, 0.85))).toEqual([1, 2, 3]);
    expect(kept(topPFilter(logits, 0.99))).toEqual([0, 1, 2, 3]);
    expect(kept(topPFilter(logits, 1))).toEqual([0, 1, 2, 3]);
    expect(kept(topPFilter(f32([0, 10, -Infinity]), 0.01))).toEqual([1]);
    expect(() => topPFilter(logits, 0)).toThrow(/top-p/);
  });
  it('agrees with a literal transcription of the HF warper on random logits', () => {
    const rng = new Rng(5);
    for (let trial = 0; trial < 50; trial++) {
      const logits = Float32Array.from({ length: 2 + rng.nextInt(200) }, () => rng.normal() * 3);
      const p = 0.05 + 0.9 * rng.nextFloat();
      expect(kept(topPFilter(logits, p))).toEqual(hfTopP(logits, p));
    }
  });
});

describe('min-p', () => {
  it('keeps tokens with p ≥ minP · p_max', () => {
    const logits = fromProbs([0.05, 0.5, 0.15, 0.3]);
    expect(kept(minPFilter(logits, 0.2))).toEqual([1, 2, 3]);
    expect(kept(minPFilter(logits, 0.5))).toEqual([1, 3]);
    expect(kept(minPFilter(logits, 0))).toEqual([0, 1, 2, 3]);
  });
});

describe('categorical draw and the composed sampler', () => {
  it('draws with the softmax frequencies and never a masked token', () => {
    const rng = new Rng(123);
    const logits = fromProbs([0.1, 0.6, 0.3]);
    logits[0] = -Infinity; // → renormalized 0, 2/3, 1/3
    const counts = [0, 0, 0];
    const n = 6000;
    for (let i = 0; i < n; i++) counts[sampleCategorical(logits, rng)]++;
    expect(counts[0]).toBe(0);
    expect(counts[1] / n).toBeCloseTo(2 / 3, 1);
    expect(counts[2] / n).toBeCloseTo(1 / 3, 1);
  });

  it('is reproducible per seed', () => {
    const logits = Float32Array.from({ length: 50 }, (_, i) => Math.sin(i) * 2);
    const params = { temperature: 0.9, topK: 20, topP: 0.95, repetitionPenalty: 1.1 };
    const run = (seed: number) => {
      const rng = new Rng(seed);
      const ctx: number[] = [];
      for (let i = 0; i < 30; i++) ctx.push(sampleToken(logits, ctx, params, rng));
      return ctx;
    };
    expect(run(1)).toEqual(run(1));
    expect(run(1)).not.toEqual(run(2));
  });

  it('is greedy at temperature 0 after the repetition penalty, without touching the rng', () => {
    const rng = new Rng(9);
    const before = rng.getState();
    expect(sampleToken(f32([3, 2.5, 1]), [], {}, rng)).toBe(0);
    expect(sampleToken(f32([3, 2.5, 1]), [0], { repetitionPenalty: 1.5 }, rng)).toBe(1);
    expect(rng.getState()).toEqual(before);
  });

  it('applies top-k/top-p so only the allowed set is ever drawn', () => {
    const rng = new Rng(4);
    const logits = f32([5, 4.9, 4.8, 0, 0, 0, 0]);
    const seen = new Set<number>();
    for (let i = 0; i < 300; i++) seen.add(sampleToken(logits, [], { temperature: 1, topK: 2 }, rng));
    expect([...seen].sort()).toEqual([0, 1]);
  });

  it('the compact top-k path draws exactly what the dense filter pipeline draws', () => {
    const source = new Rng(21);
    for (let trial = 0; trial < 30; trial++) {
      const logits = Float32Array.from({ length: 500 }, () => source.normal() * 2);
      const params = {
        temperature: 0.8,
        topK: 1 + source.nextInt(60),
        topP: 0.5 + 0.5 * source.nextFloat(),
        minP: 0.02,
      };
      const seed = source.next();
      let dense = applyTemperature(logits, params.temperature);
      dense = minPFilter(topPFilter(topKFilter(dense, params.topK), params.topP), params.minP);
      expect(sampleToken(logits, [], params, new Rng(seed))).toBe(sampleCategorical(dense, new Rng(seed)));
    }
  });

  it('rejects out-of-range settings with a readable message', () => {
    expect(() => validateSamplingParams({ temperature: -1 })).toThrow(
      'temperature must be a finite number ≥ 0, got -1',
    );
    expect(() => validateSamplingParams({ topK: 1.5 })).toThrow(/top-k/);
    expect(() => validateSamplingParams({ topP: 1.5 })).toThrow(/top-p/);
    expect(() => validateSamplingParams({ minP: -0.1 })).toThrow(/min-p/);
    expect(() => validateSamplingParams({ repetitionPenalty: 0 })).toThrow(/repetition penalty/);
    expect(() =>
      validateSamplingParams({ temperature: 0.7, topK: 40, topP: 0.9, minP: 0.05, repetitionPenalty: 1.1 }),
    ).not.toThrow();
  });
});

describe('generation_config.json defaults', () => {
  it('maps do_sample and the sampling fields like transformers', async () => {
    const { generationDefaults } = await import('./generation-config');
    expect(generationDefaults({ eos_token_id: 2 })).toEqual({ temperature: 0 });
    expect(generationDefaults({ do_sample: false, temperature: 0.6, repetition_penalty: 1.1 })).toEqual({
      temperature: 0,
      repetitionPenalty: 1.1,
    });
    expect(generationDefaults({ do_sample: true, temperature: 0.6, top_k: 20, top_p: 0.95, min_p: 0 })).toEqual({
      temperature: 0.6,
      topK: 20,
      topP: 0.95,
    });
    expect(generationDefaults({ do_sample: true })).toEqual({ temperature: 1, topK: 50, topP: 1 });
    expect(generationDefaults({ do_sample: true, top_k: 0, max_new_tokens: 256 })).toEqual({
      temperature: 1,
      topK: 0,
      topP: 1,
      maxNewTokens: 256,
    });
    expect(generationDefaults(null)).toEqual({});
  });
});
