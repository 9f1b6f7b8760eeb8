import { describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { makeBatch } from './batch';
import { headChunkRows } from './head-loss';
import { causalLmLossSum } from './loss';
import { compareHeadLoss } from './testing/head-loss-case';
import { buildModel, linearSpecs, randomAdapter, randomWeights, tinyConfig } from './testing/tiny-model';

describe.each(['cpu', 'wasm'] as const)('chunked LM head + cross-entropy (%s)', (backend) => {
  it('gives the unchunked loss and hidden-state gradient, with no [rows, vocab] block on the tape', async () => {
    expect(await initNodeBackend(backend)).toBe(backend);
    // 600 rows × 2048 vocab in chunks of 48 rows (the last one ragged): 4.7 MiB of logits whole, 384 KiB a chunk.
    const r = await compareHeadLoss(600, 32, 2048, 48 * 2048);
    expect(r.lossRelErr).toBeLessThan(1e-6);
    expect(r.gradRelErr).toBeLessThan(1e-6);
    // The whole loss keeps logits and their gradient; the chunked one a few 48-row blocks at most (logits, softmax,
    // one-hot, their difference).
    expect(r.wholePeak).toBeGreaterThan(2 * r.logitsBytes);
    expect(r.chunkedPeak).toBeLessThan(4 * 48 * 2048 * 4);
    // 13 chunks, the head run once forward in each (its input gradient is its backward, not a second forward).
    expect(r.chunkedHeadCalls).toBe(13);
  });

  it('runs the head forward once per chunk, one chunk or several, with the peak of one chunk', async () => {
    await initNodeBackend(backend);
    // 96 rows × 2048 vocab: 768 KiB of logits, one chunk.
    const r = await compareHeadLoss(96, 32, 2048, 96 * 2048);
    expect(r.lossRelErr).toBeLessThan(1e-6);
    expect(r.gradRelErr).toBeLessThan(1e-6);
    expect(r.chunkedHeadCalls).toBe(1);
    // Twice the rows in two chunks of the same size: the peak is one chunk's either way (plus the kept [rows,
    // hidden] gradient).
    const multi = await compareHeadLoss(192, 32, 2048, 96 * 2048);
    expect(multi.chunkedHeadCalls).toBe(2);
    expect(multi.chunkedPeak).toBeLessThan(r.chunkedPeak + 4 * 192 * 32 * 2);
  });

  it('leaves LoRA gradients of a whole model as they were (frozen head, chunked vs trained-head path)', async () => {
    await initNodeBackend(backend);
    const c = tinyConfig({ vocab: 64 });
    const model = buildModel(c, randomWeights(c, 2));
    const adapter = await randomAdapter(
      { ...DEFAULT_LORA_CONFIG, rank: 2, alpha: 4, dropout: 0 },
      linearSpecs(c),
      3,
      0.3,
    );
    const ids = Array.from({ length: 40 }, (_, t) => (t * 11 + 3) % 64);
    const batch = makeBatch(
      [{ ids: Int32Array.from(ids), lossMask: Uint8Array.from(ids, (_, t) => (t > 4 ? 1 : 0)) }],
      { maxSeqLen: 64, bucket: 1 },
    );
    expect(batch.labels.length).toBeGreaterThan(headChunkRows(64, 1 << 10)); // several chunks at a small budget
    const vars = [...adapter.variables().values()];
    const taped = tf.variableGrads(() => causalLmLossSum(model, batch, adapter, { trainsHead: true }), vars);
    const chunked = tf.variableGrads(() => causalLmLossSum(model, batch, adapter), vars);
    expect(Math.abs(chunked.value.dataSync()[0] - taped.value.dataSync()[0]) / taped.value.dataSync()[0]).toBeLessThan(
      1e-6,
    );
    for (const v of vars) {
      const a = taped.grads[v.name].dataSync();
      const b = chunked.grads[v.name].dataSync();
      const scale = Math.max(...Array.from(a, Math.abs));
      a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThanOrEqual(1e-6 * scale));
    }
    tf.dispose([taped.value, chunked.value, ...Object.values(taped.grads), ...Object.values(chunked.grads)]);
    adapter.dispose();
    model.dispose();
  });
});
