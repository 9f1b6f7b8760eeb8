import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import { currentGpuDevice, initWebGpuBackend } from '../backend/webgpu';
import { tinyModelFiles } from '../test-utils/tiny-model';
import { cappedAdapter, nodeGpu } from '../test-utils/webgpu.node.js';
import { maxAbsDiff } from '../test-utils/tolerance';
import { chunkedHeadNllSum } from '../train/head-loss';
import { headOf } from '../train/loss';
import type { DecoderModel } from './llama';
import { loadModel, type LoadOptions } from './load';
import { RowBlockLinear, RowBlockMatrix } from './row-blocks';
import type { ModelWeights } from './weights';
import { maxStorageBindingBytes } from '../quant/device-limits';
import type { ModelFiles } from '../spec/model-files';

const MIB = 2 ** 20;

/**
 * A Dawn device whose storage bindings stop at 128 MiB (WebGPU's default, and what many GPUs allow), whatever the
 * adapter offers (SwiftShader offers 1 GiB): the adapter is shown to initWebGpuBackend with those limits, so the
 * device really refuses larger bindings.
 */
async function init128MiBDevice(): Promise<boolean> {
  const adapter = await (await nodeGpu()).requestAdapter();
  if (!adapter) return false;
  const capped = cappedAdapter(adapter, { maxStorageBufferBindingSize: 128 * MIB, maxBufferSize: 256 * MIB });
  await initWebGpuBackend(capped);
  return true;
}

/** Logits [1, n, vocab] of `ids` and d(Σ logits·r)/d(final hidden) through the head, as host arrays. */
async function logitsAndHeadGrad(
  model: DecoderModel,
  ids: number[],
): Promise<{ logits: Float32Array; grad: Float32Array }> {
  const [logits, grad] = tf.tidy(() => {
    const x = tf.tensor2d([ids], [1, ids.length], 'int32');
    const h = model.hiddenStates(x) as Tensor3D; // [1, n, hidden]
    const r = tf.randomUniform([1, ids.length, model.config.vocab], -1, 1, 'float32', 7);
    const g = tf.grad((hh: tf.Tensor) =>
      model
        .logits(hh as Tensor3D)
        .mul(r)
        .sum(),
    )(h); // [1, n, hidden]
    return [model.logits(h), g];
  });
  const out = { logits: (await logits.data()) as Float32Array, grad: (await grad.data()) as Float32Array };
  tf.dispose([logits, grad]);
  return out;
}

/** The chunked training loss over the next-token labels of `ids` and its gradient w.r.t. the final hidden rows. */
async function headLoss(model: DecoderModel, ids: number[]): Promise<{ loss: number; grad: Float32Array }> {
  const labels = Int32Array.from(ids.slice(1));
  const [loss, grad] = tf.tidy(() => {
    const x = tf.tensor2d([ids.slice(0, -1)], [1, ids.length - 1], 'int32');
    const h = model.hiddenStates(x).reshape([ids.length - 1, -1]) as Tensor2D; // [n, hidden]
    const { value, grad } = tf.valueAndGrad((hh: tf.Tensor) =>
      chunkedHeadNllSum(headOf(model), hh as Tensor2D, labels, model.config.vocab, 2 * model.config.vocab),
    )(h);
    return [value, grad];
  });
  const out = { loss: (await loss.data())[0], grad: (await grad.data()) as Float32Array };
  tf.dispose([loss, grad]);
  return out;
}

/** Logits and head gradient of the model loaded with `split` equal those loaded with `whole`; `check` sees the split one. */
async function compare(
  files: ModelFiles,
  ids: number[],
  split: LoadOptions,
  whole: LoadOptions,
  check: (w: ModelWeights) => void,
): Promise<void> {
  const a = await loadModel(files, whole);
  const ref = await logitsAndHeadGrad(a, ids);
  const refLoss = await headLoss(a, ids);
  const bytes = a.byteSize();
  a.dispose();
  const b = await loadModel(files, split);
  check((b as unknown as { weights: ModelWeights }).weights);
  expect(b.byteSize()).toBe(bytes); // the same bytes, only split
  const got = await logitsAndHeadGrad(b, ids);
  const loss = await headLoss(b, ids);
  b.dispose();
  expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThan(1e-5);
  expect(maxAbsDiff(got.grad, ref.grad)).toBeLessThan(1e-5);
  // The training loss's chunked head (head-loss.ts, 2-row chunks) through the blocks: same loss and gradient.
  expect(Math.abs(loss.loss - refLoss.loss)).toBeLessThan(1e-5);
  expect(maxAbsDiff(loss.grad, refLoss.grad)).toBeLessThan(1e-5);
}

describe('row-blocked embeddings and LM head on a 128 MiB-binding WebGPU device', () => {
  beforeAll(async () => {
    expect(await init128MiBDevice()).toBe(true);
    expect(currentGpuDevice()!.limits.maxStorageBufferBindingSize).toBe(128 * MIB);
  });

  const ids = [1, 5, 64, 127, 3, 64];

  it('forced small blocks give the unsplit logits, head gradient and chunked loss (f32 table + head, f16 head)', async () => {
    // vocab 128, hidden 32, 1 layer: f32 rows 128 B, f16 rows 64 B; 4 KiB blocks split the f32 table and head
    // into 4 blocks of 32 rows and the packed f16 head into 2 of 64.
    const overrides = { num_hidden_layers: 1 };
    await compare(
      tinyModelFiles('mistral', { overrides }), // untied: embedding table and LM head both split
      ids,
      { maxBindingBytes: 4096 },
      { maxBindingBytes: Infinity },
      (w) => {
        expect((w.embed as RowBlockMatrix).blockCount).toBe(4);
        expect((w.lmHead as RowBlockMatrix).blockCount).toBe(4);
      },
    );
    await compare(
      tinyModelFiles('llama', { overrides }), // tied, f16 embeddings: the packed f16 head split
      ids,
      { embeddings: 'f16', maxBindingBytes: 4096 },
      { embeddings: 'f16', maxBindingBytes: Infinity },
      (w) => expect((w.hostEmbeddings!.head as RowBlockLinear).parts.length).toBe(2),
    );
  }, 180_000);

  it('a 140 000 × 256 f32 table (143 MB) is refused as one binding and gathers exactly as 2 row blocks', async () => {
    const [rows, cols] = [140000, 256];
    const values = new Float32Array(rows * cols);
    for (let i = 0; i < values.length; i++) values[i] = ((i * 2654435761) % 1000003) / 1000003 - 0.5;
    const ids = [139999, 17, 70000, 69999, 17];
    const device = currentGpuDevice()!;
    // Unsplit, the device refuses the binding (tfjs would go on with stale data; the error scope sees it).
    const whole = RowBlockMatrix.upload(values, [rows, cols], Infinity) as Tensor2D;
    device.pushErrorScope('validation');
    const stale = tf.gather(whole, ids);
    await stale.data();
    const refused = await device.popErrorScope();
    tf.dispose([whole, stale]);
    expect(refused?.message).toMatch(/binding size|maxStorageBufferBindingSize/i);
    // The loader's default: within the device's binding limit, 2 blocks; every row exactly the host's.
    const split = RowBlockMatrix.upload(values, [rows, cols], maxStorageBindingBytes());
    expect(split).toBeInstanceOf(RowBlockMatrix);
    expect((split as RowBlockMatrix).blockCount).toBe(2);
    device.pushErrorScope('validation');
    const got = (split as RowBlockMatrix).gatherRows(ids);
    const data = await got.data();
    expect(await device.popErrorScope()).toBeNull();
    ids.forEach((id, r) => {
      expect(Array.from(data.subarray(r * cols, (r + 1) * cols))).toEqual(
        Array.from(values.subarray(id * cols, (id + 1) * cols)),
      );
    });
    tf.dispose(got);
    split.dispose();
  });
});
