import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import type { DecoderModel } from '../model/llama';
import { makeBatch } from './batch';
import { causalLmLossSum } from './loss';
import { cpuTinyModel, linearSpecs, randomAdapter, tinyConfig } from './testing/tiny-model';

const config = tinyConfig();
let model: DecoderModel;

beforeAll(async () => {
  model = await cpuTinyModel(config, 1);
});
afterAll(() => model.dispose());

const ex = (ids: number[], mask: number[]) => ({ ids: Int32Array.from(ids), lossMask: Uint8Array.from(mask) });

describe('batching', () => {
  it('pads to the bucket, truncates to maxSeqLen, lists label positions shifted by one', () => {
    const b = makeBatch([ex([1, 2, 3, 4, 5], [0, 0, 1, 1, 1]), ex([6, 7], [0, 1])], { maxSeqLen: 4, bucket: 3 });
    expect(b.seq).toBe(4); // longest 4 after truncation, bucket 3 → 6, capped at maxSeqLen
    expect(b.truncated).toBe(1);
    expect([...b.ids]).toEqual([1, 2, 3, 4, 6, 7, 0, 0]);
    expect([...b.predictRows]).toEqual([1, 2, 4]);
    expect([...b.labels]).toEqual([3, 4, 7]);
    expect(b.tokens).toBe(6);
  });
});

describe('packed rows', () => {
  it('are split into their segments (segment id 0 = padding), each scored alone', () => {
    const packed = {
      ids: Int32Array.from([1, 2, 3, 4, 5, 6, 0]),
      lossMask: Uint8Array.from([0, 1, 1, 1, 1, 1, 0]),
      segmentIds: Int32Array.from([1, 1, 1, 2, 2, 2, 0]),
    };
    const b = makeBatch([packed], { maxSeqLen: 16, bucket: 1 });
    expect(b.batch).toBe(2);
    expect([...b.ids]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...b.labels]).toEqual([2, 3, 5, 6]);
  });
});

describe('causal LM loss', () => {
  it('equals a naive full-logits masked cross-entropy, padding excluded', () => {
    const examples = [ex([1, 5, 9, 3, 7, 2], [0, 0, 1, 1, 1, 1]), ex([4, 8, 15], [0, 1, 1])];
    const batch = makeBatch(examples, { maxSeqLen: 16, bucket: 8 });
    const got = causalLmLossSum(model, batch, null);
    // Naive: every row alone, unpadded, full log-softmax, pick masked labels.
    let want = 0;
    for (const e of examples) {
      const lp = tf.tidy(() =>
        tf.logSoftmax(model.forward(tf.tensor2d(e.ids, [1, e.ids.length], 'int32')).squeeze([0]) as tf.Tensor2D),
      );
      const rows = lp.arraySync() as number[][];
      for (let t = 1; t < e.ids.length; t++) if (e.lossMask[t]) want -= rows[t - 1][e.ids[t]];
      lp.dispose();
    }
    expect(got.dataSync()[0]).toBeCloseTo(want, 4);
    got.dispose();
  });

  it('sums over several LM-head chunks (> 128 label rows) exactly like one block', async () => {
    const long = Array.from({ length: 2 }, (_, r) =>
      ex(
        Array.from({ length: 100 }, (_, t) => (t * 7 + r) % 32),
        Array.from({ length: 100 }, (_, t) => (t > 0 ? 1 : 0)),
      ),
    );
    const batch = makeBatch(long, { maxSeqLen: 128, bucket: 8 });
    expect(batch.labels.length).toBe(198);
    const got = causalLmLossSum(model, batch, null);
    const logits = tf.tidy(() =>
      tf.logSoftmax(model.forward(tf.tensor2d(batch.ids, [2, batch.seq], 'int32')).reshape([2 * batch.seq, -1])),
    );
    const lp = (await logits.data()) as Float32Array;
    let want = 0;
    batch.predictRows.forEach((row, i) => (want -= lp[row * config.vocab + batch.labels[i]]));
    expect((await got.data())[0]).toBeCloseTo(want, 2);
    tf.dispose([got, logits]);
  });

  it('LoRA gradients match central finite differences for every module type (f32, dropout off)', async () => {
    const lora = { ...DEFAULT_LORA_CONFIG, rank: 2, alpha: 4, dropout: 0 };
    // Non-zero B so that gradients w.r.t. A are non-trivial too.
    const adapter = await randomAdapter(lora, linearSpecs(config), 3, 0.3);
    const batch = makeBatch([ex([1, 5, 9, 3, 7, 2, 11], [0, 0, 1, 1, 1, 1, 1])], { maxSeqLen: 16, bucket: 1 });
    const vars = adapter.variables();
    const list = [...vars.values()];
    const { value, grads } = tf.variableGrads(() => causalLmLossSum(model, batch, adapter), list);
    value.dispose();
    const lossAt = () => tf.tidy(() => causalLmLossSum(model, batch, adapter).dataSync()[0]);
    const eps = 1e-2;
    const checked = new Set<string>();
    for (const [name, v] of vars) {
      const g = grads[v.name].dataSync();
      const base = v.dataSync() as Float32Array;
      // Probe the entry with the largest analytic gradient (best signal-to-roundoff in f32).
      let k = 0;
      for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[k])) k = i;
      const probe = (delta: number) => {
        const p = base.slice();
        p[k] += delta;
        tf.tidy(() => v.assign(tf.tensor(p, v.shape)));
        return lossAt();
      };
      const fd = (probe(eps) - probe(-eps)) / (2 * eps);
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      expect(Math.abs(fd - g[k])).toBeLessThan(2e-3 + 2e-2 * Math.abs(g[k]));
      checked.add(name.replace(/^model\.layers\.\d+\.\w+\./, ''));
    }
    expect(checked.size).toBe(14); // 7 module types × {lora_A, lora_B}
    Object.values(grads).forEach((t) => t.dispose());
    adapter.dispose();
  });
});
