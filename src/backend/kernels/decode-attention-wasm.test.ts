import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../node';
import { asGeneration } from '../generation-scope';
import { tf } from '../tf';
import { cachedGreedyDecode } from '../../test-utils/cached-decode';
import { loadModel } from '../../model/load';
import { modelFixtureFiles, type ModelFixture } from '../../test-utils/model-fixtures.node.js';
import { maxRelError } from '../../quant/synthetic';
import { DECODE_ATTENTION, decodeAttentionSettings, fusedDecodeAttention } from './decode-attention-wasm';

describe('decode attention as one wasm op', () => {
  beforeAll(async () => {
    expect(await initNodeBackend('wasm')).toBe('wasm');
  });
  afterEach(() => {
    decodeAttentionSettings.enabled = true;
  });

  it('equals RoPE, the cache append and grouped softmax attention done op by op (GQA; no past, a full past that grows, spare rows written in place)', () => {
    const [heads, kvHeads, hd] = [6, 2, 16];
    // [past tokens, rows of the past buffers (their capacity), rows to grow to]
    const cases: Array<[number, number, number]> = [
      [0, 0, 64],
      [1, 1, 64],
      [7, 7, 9],
      [30, 40, 80],
    ];
    for (const [past, rows, capacity] of cases) {
      const q = tf.randomNormal([1, heads * hd], 0, 1, 'float32', 1);
      const k = tf.randomNormal([1, kvHeads * hd], 0, 1, 'float32', 2);
      const v = tf.randomNormal([1, kvHeads * hd], 0, 1, 'float32', 3);
      const mq = tf.randomNormal([1, hd, hd], 0, 0.3, 'float32', 4) as tf.Tensor3D;
      const mk = tf.randomNormal([1, hd, hd], 0, 0.3, 'float32', 5) as tf.Tensor3D;
      const bufK = rows ? (tf.randomNormal([1, kvHeads, rows, hd], 0, 1, 'float32', 6) as tf.Tensor4D) : null;
      const bufV = rows ? (tf.randomNormal([1, kvHeads, rows, hd], 0, 1, 'float32', 7) as tf.Tensor4D) : null;
      // What the buffers hold before the op: the past, and what the reference appends to
      const pk = bufK ? bufK.slice([0, 0, 0, 0], [1, kvHeads, past, hd]) : null;
      const pv = bufV ? bufV.slice([0, 0, 0, 0], [1, kvHeads, past, hd]) : null;
      const fused = fusedDecodeAttention({ q, k, v, mq, mk }, bufK && bufV ? { k: bufK, v: bufV } : null, {
        heads,
        kvHeads,
        headDim: hd,
        past,
        capacity,
      });
      // Reference, op by op
      const qr = tf.matMul(q.reshape([heads, hd]), mq.reshape([hd, hd])); // [heads, hd]
      const kr = tf.matMul(k.reshape([kvHeads, hd]), mk.reshape([hd, hd])).reshape([1, kvHeads, 1, hd]);
      const vr = v.reshape([1, kvHeads, 1, hd]);
      const keys = pk ? tf.concat([pk, kr], 2) : kr; // [1, kvHeads, total, hd]
      const values = pv ? tf.concat([pv, vr], 2) : vr;
      const group = heads / kvHeads;
      const qg = qr.reshape([kvHeads, group, hd]);
      const scores = tf.matMul(qg, keys.reshape([kvHeads, past + 1, hd]), false, true); // [kvHeads, group, total]
      const ref = tf.matMul(tf.softmax(scores, -1), values.reshape([kvHeads, past + 1, hd])).reshape([1, heads * hd]);
      expect(fused.out.shape).toEqual([1, heads * hd]);
      expect(maxRelError(fused.out.dataSync(), ref.dataSync())).toBeLessThan(1e-5);
      // The token landed in spare rows of the old buffers, or in new ones of `capacity` rows with the past copied
      expect(fused.grown === null).toBe(past < rows);
      const heldK = fused.grown ? fused.grown.keys : bufK!;
      const heldV = fused.grown ? fused.grown.values : bufV!;
      expect(heldK.shape).toEqual([1, kvHeads, fused.grown ? capacity : rows, hd]);
      const filledK = heldK.slice([0, 0, 0, 0], [1, kvHeads, past + 1, hd]);
      const filledV = heldV.slice([0, 0, 0, 0], [1, kvHeads, past + 1, hd]);
      expect(maxRelError(filledK.dataSync(), keys.dataSync())).toBeLessThan(1e-6);
      expect(Array.from(filledV.dataSync())).toEqual(Array.from(values.dataSync())); // copied, not computed
      tf.dispose([q, k, v, mq, mk, qr, kr, vr, keys, values, qg, scores, ref, fused.out, filledK, filledV]);
      if (fused.grown) tf.dispose([fused.grown.keys, fused.grown.values]);
      tf.dispose([bufK, bufV, pk, pv].filter((t): t is tf.Tensor4D => t !== null));
    }
  });

  it('a cache grown in place by the op still serves a later many-token forward (the composite path cuts its spare rows)', async () => {
    const m = await loadModel(modelFixtureFiles('qwen2'));
    const run = async (fused: boolean) => {
      decodeAttentionSettings.enabled = fused;
      const cache = m.createCache(1, 16);
      const forward = (ids: number[]) =>
        asGeneration(() => tf.tidy(() => m.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { cache })));
      for (const ids of [[3, 14], [15], [92]]) forward(ids).dispose(); // prompt, then two decode steps
      const after = forward([65, 35, 89]); // three tokens at once: the composite path on the same cache
      const out = (await after.data()) as Float32Array;
      after.dispose();
      cache.dispose();
      return out;
    };
    const viaOp = await run(true);
    const composite = await run(false);
    expect(maxRelError(viaOp, composite)).toBeLessThan(1e-5);
    m.dispose();
  });

  // llama (MHA, tied), qwen2 (q/k/v biases), qwen3 (per-head q/k norms), llama3 RoPE scaling
  const fixtures: ModelFixture[] = ['llama-tied', 'qwen2', 'qwen3', 'llama3-rope-untied'];
  for (const name of fixtures) {
    it(`${name}: a cached greedy decode gives the composite path's logits, step after step, with no tensor left`, async () => {
      const m = await loadModel(modelFixtureFiles(name));
      const before = tf.memory().numTensors;
      for (const prompt of [[3, 14, 15, 92, 65], [7]]) {
        const fused = await cachedGreedyDecode(m, prompt, 6);
        decodeAttentionSettings.enabled = false;
        const composite = await cachedGreedyDecode(m, prompt, 6);
        decodeAttentionSettings.enabled = true;
        // A one-token prompt starts the cache through the op too (no past)
        expect(fused.kernels.has(DECODE_ATTENTION)).toBe(true);
        expect(composite.kernels.has(DECODE_ATTENTION)).toBe(false);
        // The composite path grows the cache by concatenation; the op copies into its own outputs
        expect([fused.kernels.has('Concat'), composite.kernels.has('Concat')]).toEqual([false, true]);
        for (let s = 0; s < fused.logits.length; s++)
          expect(maxRelError(fused.logits[s], composite.logits[s]), `step ${s}`).toBeLessThan(1e-5);
      }
      // Only the RoPE tables the forward builds on first use stay (owned by the model)
      const leftover = tf.memory().numTensors - before;
      m.dispose();
      expect(leftover).toBeLessThanOrEqual(4);
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    });
  }
});
