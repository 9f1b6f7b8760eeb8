import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf, type Tensor2D } from '../backend/tf';
import { modelFixtureFiles, type ModelFixture } from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff } from '../test-utils/tolerance';
import type { DecoderModel } from './llama';
import type { AdapterHook } from './linear';
import { loadModel } from './load';
import { causalChunkSettings } from './attention';

const models = new Map<ModelFixture, DecoderModel>();
async function model(name: ModelFixture): Promise<DecoderModel> {
  if (!models.has(name)) models.set(name, await loadModel(modelFixtureFiles(name)));
  return models.get(name)!;
}

/** Logits of `ids` (one row) as a flat array [seq·vocab]. */
async function logitsOf(m: DecoderModel, ids: number[]): Promise<Float32Array> {
  const out = tf.tidy(() => m.forward(tf.tensor2d([ids], [1, ids.length], 'int32')));
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('padding', () => {
  for (const name of ['qwen3', 'mistral', 'llama3-rope-untied'] as ModelFixture[]) {
    it(`${name}: right-padded batch gives the unpadded logits on real tokens`, async () => {
      const m = await model(name);
      const rows = [
        [1, 17, 33, 90, 4, 61, 12, 8, 150, 3],
        [1, 40, 7, 7],
        [1, 99, 23, 5, 180, 44],
      ];
      const len = Math.max(...rows.map((r) => r.length));
      const padded = rows.map((r) => [...r, ...new Array(len - r.length).fill(0)]);
      const mask = rows.map((r) => Array.from({ length: len }, (_, t) => (t < r.length ? 1 : 0)));
      const V = m.config.vocab;
      const batch = tf.tidy(() => m.forward(tf.tensor2d(padded, [rows.length, len], 'int32'), { attentionMask: mask }));
      const all = (await batch.data()) as Float32Array;
      batch.dispose();
      for (let b = 0; b < rows.length; b++) {
        const alone = await logitsOf(m, rows[b]);
        const got = all.subarray(b * len * V, (b * len + rows[b].length) * V);
        expect(maxAbsDiff(got, alone)).toBeLessThan(1e-4);
      }
    });
  }

  it('left-padded rows (as generate pads) match the unpadded row', async () => {
    const m = await model('qwen2');
    const row = [1, 40, 7, 9, 100];
    const padded = [0, 0, 0, ...row];
    const mask = [[0, 0, 0, 1, 1, 1, 1, 1]];
    const out = tf.tidy(() =>
      m.forward(tf.tensor2d([padded], [1, 8], 'int32'), { attentionMask: tf.tensor2d(mask) as Tensor2D }),
    );
    const got = ((await out.data()) as Float32Array).subarray(3 * m.config.vocab);
    out.dispose();
    expect(maxAbsDiff(got, await logitsOf(m, row))).toBeLessThan(1e-4);
  });
});

describe('KV cache', () => {
  for (const name of ['llama-tied', 'qwen3', 'mistral'] as ModelFixture[]) {
    it(`${name}: prefill + one token at a time equals the full forward`, async () => {
      const m = await model(name);
      const ids = [1, 5, 77, 31, 2, 64, 64, 9, 120, 33, 18];
      const full = await logitsOf(m, ids);
      const cache = m.createCache(1, 16);
      const V = m.config.vocab;
      const steps: Float32Array[] = [];
      const prefill = tf.tidy(() => m.forward(tf.tensor2d([ids.slice(0, 4)], [1, 4], 'int32'), { cache }));
      steps.push((await prefill.data()) as Float32Array);
      prefill.dispose();
      for (let t = 4; t < ids.length; t++) {
        const step = tf.tidy(() => m.forward(tf.tensor2d([[ids[t]]], [1, 1], 'int32'), { cache }));
        steps.push((await step.data()) as Float32Array);
        step.dispose();
      }
      expect(cache.length).toBe(ids.length);
      const joined = new Float32Array(ids.length * V);
      let at = 0;
      for (const s of steps) {
        joined.set(s, at);
        at += s.length;
      }
      expect(maxAbsDiff(joined, full)).toBeLessThan(1e-4);
      cache.dispose();
    });
  }

  it('batched cache with padded prompts continues each row correctly', async () => {
    const m = await model('llama3-rope-untied');
    const a = [1, 12, 30, 44];
    const b = [1, 60];
    const cache = m.createCache(2, 8);
    const mask = [
      [1, 1, 1, 1],
      [1, 1, 0, 0],
    ];
    tf.tidy(() => {
      m.forward(tf.tensor2d([a, [...b, 0, 0]], [2, 4], 'int32'), { cache, attentionMask: mask });
    });
    // Row b's next token lands after two padding slots; the cache must keep masking them.
    const next = tf.tidy(() => m.forward(tf.tensor2d([[7], [8]], [2, 1], 'int32'), { cache }));
    const got = (await next.data()) as Float32Array;
    next.dispose();
    cache.dispose();
    const V = m.config.vocab;
    const fullA = await logitsOf(m, [...a, 7]);
    const fullB = await logitsOf(m, [...b, 8]);
    expect(maxAbsDiff(got.subarray(0, V), fullA.subarray(4 * V))).toBeLessThan(1e-4);
    expect(maxAbsDiff(got.subarray(V), fullB.subarray(2 * V))).toBeLessThan(1e-4);
  });

  it('refuses to grow past maxLen and after dispose', async () => {
    const m = await model('llama-tied');
    const cache = m.createCache(1, 3);
    expect(() => m.forward(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32'), { cache })).toThrow(/maxLen 3/);
    cache.dispose();
    expect(() => m.forward(tf.tensor2d([[1]], [1, 1], 'int32'), { cache })).toThrow(/dispose/);
  });
});

describe('adapter hook', () => {
  it('receives every projection path and its gradient flows to hook variables', async () => {
    const m = await model('qwen3');
    const seen = new Set<string>();
    const rank = 2;
    const vars = new Map<string, { a: tf.Variable; b: tf.Variable }>();
    for (const [path, lin] of m.linears()) {
      vars.set(path, {
        a: tf.variable(tf.randomNormal([rank, lin.inFeatures], 0, 0.1, 'float32', 1)),
        b: tf.variable(tf.randomNormal([lin.outFeatures, rank], 0, 0.1, 'float32', 2)),
      });
    }
    const hook: AdapterHook = {
      delta(path, x) {
        seen.add(path);
        const v = vars.get(path)!;
        return tf.matMul(tf.matMul(x, v.a, false, true), v.b, false, true) as Tensor2D; // [rows, out]
      },
    };
    const ids = tf.tensor2d([[1, 5, 9, 13, 20]], [1, 5], 'int32');
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(m.forward(ids, { hook }))) as tf.Scalar);
    expect(seen.size).toBe(7 * m.config.layers);
    expect([...seen]).toContain('model.layers.1.mlp.down_proj');
    const g = grads[vars.get('model.layers.0.self_attn.q_proj')!.a.name];
    expect(g.shape).toEqual([rank, m.config.hidden]);
    expect((await tf.abs(g).sum().data())[0]).toBeGreaterThan(0);
    // The hook changes the output: scoring with it differs from the base.
    const base = await m.logProbs([1, 5, 9, 13, 20]);
    const adapted = await m.logProbs([1, 5, 9, 13, 20], { hook });
    expect(maxAbsDiff(base, adapted)).toBeGreaterThan(1e-3);
    tf.dispose([value, ids, ...Object.values(grads)]);
    for (const v of vars.values()) tf.dispose([v.a, v.b]);
  });

  it('frees every intermediate tensor', async () => {
    const m = await model('llama-tied');
    const before = tf.memory().numTensors;
    await m.logProbs([1, 2, 3, 4, 5, 6]);
    const cache = m.createCache(1, 4);
    tf.tidy(() => {
      m.forward(tf.tensor2d([[1, 2]], [1, 2], 'int32'), { cache });
    });
    cache.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('logProbs', () => {
  it('scores in row chunks with the same values as one pass', async () => {
    const { sequenceLogProbs } = await import('./log-probs');
    const m = await model('qwen2');
    const ids = [1, 5, 9, 200, 13, 7, 7, 64];
    const whole = await m.logProbs(ids);
    const chunked = await sequenceLogProbs(m, ids, null, 3 * m.config.vocab); // 3 rows per chunk
    // On wasm a 3-row chunk's head product runs the few-row SIMD kernel and the 8-row pass XNNPACK: the same sums
    // in another order, a few f32 ulps apart at log-probs of magnitude ~5.
    expect(maxAbsDiff(chunked, whole)).toBeLessThan(5e-6);
    expect(await m.logProbs([3])).toEqual([null]);
    expect(await m.logProbs([])).toEqual([]);
    await expect(m.logProbs([1, 9999])).rejects.toThrow(/token id 9999 is outside the vocabulary \[0, 256\)/);
  });
});

describe('long inputs', () => {
  it('attention in query chunks (tiny score budget) equals one pass: logits, padding, cache and gradients', async () => {
    const m = await model('qwen3');
    const ids = [1, 5, 9, 200, 13, 7, 7, 64, 30, 2, 99];
    const mask = [ids.map((_, t) => (t < 9 ? 1 : 0))];
    const w = tf.variable(tf.randomNormal([m.config.hidden, m.config.heads * m.config.headDim], 0, 0.1, 'float32', 7));
    const hook: AdapterHook = { delta: (p, rows) => (p.endsWith('q_proj') ? (tf.matMul(rows, w) as Tensor2D) : null) };
    const input = tf.tensor2d([ids], [1, ids.length], 'int32');
    const run = async () => {
      const logits = tf.tidy(() => m.forward(input, { attentionMask: mask, hook }));
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(m.forward(input, { hook }))) as tf.Scalar, [w]);
      const out = { logits: await logits.data(), grad: await grads[w.name].data() };
      tf.dispose([logits, value, grads[w.name]]);
      return out;
    };
    const whole = await run();
    m.maxAttentionScores = 3 * m.config.heads * ids.length; // 3 query rows per chunk
    try {
      const chunked = await run();
      expect(maxAbsDiff(chunked.logits, whole.logits)).toBeLessThan(1e-5);
      expect(maxAbsDiff(chunked.grad, whole.grad)).toBeLessThan(1e-6);
      const cache = m.createCache(1, 16);
      const pre = tf.tidy(() => m.forward(input.slice([0, 0], [1, 8]), { cache, hook }));
      expect(maxAbsDiff(await pre.data(), whole.logits.subarray(0, 8 * m.config.vocab))).toBeLessThan(1e-4);
      tf.dispose([pre]);
      cache.dispose();
    } finally {
      m.maxAttentionScores = 1 << 25;
      tf.dispose([w, input]);
    }
  });
});

describe('causal query chunks outside gradients (prefill, scoring)', () => {
  for (const name of ['qwen3', 'mistral'] as ModelFixture[]) {
    it(`${name}: chunks that skip the masked keys give one pass's logits on real tokens: padded batch, and a prefill after cached tokens`, async () => {
      const m = await model(name);
      const V = m.config.vocab;
      const row = (n: number, seed: number) => Array.from({ length: n }, (_, t) => (t * 37 + seed * 11 + 1) % V);
      const ids = [row(40, 1), [0, 0, 0, ...row(37, 2)]];
      const mask = [ids[0].map(() => 1), ids[1].map((_, t) => (t < 3 ? 0 : 1))];
      const run = async () => {
        const all = tf.tidy(() => m.forward(tf.tensor2d(ids, [2, 40], 'int32'), { attentionMask: mask }));
        const cache = m.createCache(1, 48);
        tf.tidy(() => m.forward(tf.tensor2d([ids[0].slice(0, 10)], [1, 10], 'int32'), { cache }));
        const after = tf.tidy(() => m.forward(tf.tensor2d([ids[0].slice(10)], [1, 30], 'int32'), { cache }));
        cache.dispose();
        const out = { all: (await all.data()) as Float32Array, after: (await after.data()) as Float32Array };
        tf.dispose([all, after]);
        return out;
      };
      causalChunkSettings.rows = Infinity;
      const whole = await run();
      causalChunkSettings.rows = 8; // 5 chunks of 40 rows, 3 (then a rest of 6) of the 30 after the cache
      try {
        const chunked = await run();
        // Real tokens only: a padding query sees no key at all, and its uniform softmax spans the keys it was given
        expect(maxAbsDiff(chunked.all.subarray(0, 40 * V), whole.all.subarray(0, 40 * V))).toBeLessThan(1e-5);
        expect(maxAbsDiff(chunked.all.subarray(43 * V), whole.all.subarray(43 * V))).toBeLessThan(1e-5);
        expect(maxAbsDiff(chunked.after, whole.after)).toBeLessThan(1e-5);
        expect(maxAbsDiff(chunked.after, whole.all.subarray(10 * V, 40 * V))).toBeLessThan(1e-4);
      } finally {
        causalChunkSettings.rows = 128;
      }
    });
  }
});

describe('embedding lookup checks ids on the host (#13: WebGPU gather returns zeros for a bad id)', () => {
  it('refuses an id ≥ vocab in forward(), before any gather', async () => {
    const model = await loadModel(modelFixtureFiles('llama-tied'));
    const ids = tf.tensor2d([[1, 256]], [1, 2], 'int32');
    try {
      expect(() => model.forward(ids)).toThrow(/embedding lookup: token id 256 is outside the vocabulary \[0, 256\)/);
      expect(() => model.forward(tf.tensor2d([[-1]], [1, 1], 'int32'))).toThrow(/token id -1/);
    } finally {
      ids.dispose();
      model.dispose();
    }
  });
});
