/**
 * A tiny fixture model with a LoRA adapter whose B is not zero, and one loss-and-gradients pass through it: what the
 * one-kernel ops' tests (RoPE, the LoRA path) compare between the kernel and the composite ops it replaces.
 */
import { tf } from '../backend/tf';
import { loadModel } from '../model/load';
import { specsOf } from '../lora/config';
import { LoraAdapter } from '../lora/lora-adapter';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { Rng } from '../util/rng';
import { modelFixtureFiles } from './model-fixtures.node.js';

export interface LoraModelCase {
  model: Awaited<ReturnType<typeof loadModel>>;
  adapter: LoraAdapter;
  /** mean(logits²) and its gradient for every adapter variable, read back. */
  run(): Promise<{ loss: Float32Array; grads: Float32Array[] }>;
  dispose(): void;
}

/** The 'llama-tied' fixture with an all-linear r4 adapter (random A and B), `dropout` as given, on 8 tokens. */
export async function loraModelCase(dropout: number): Promise<LoraModelCase> {
  const model = await loadModel(modelFixtureFiles('llama-tied'));
  const adapter = LoraAdapter.create(
    { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout },
    specsOf(model.linears()),
    new Rng(3),
  );
  let seed = 20;
  for (const v of adapter.variables().values()) v.assign(tf.randomNormal(v.shape, 0, 0.1, 'float32', seed++));
  const ids = tf.tensor2d([[1, 5, 9, 2, 7, 3, 4, 8]], undefined, 'int32') as tf.Tensor2D;
  return {
    model,
    adapter,
    async run() {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.square(model.forward(ids, { hook: adapter }))) as tf.Scalar,
        [...adapter.variables().values()],
      );
      const loss = (await value.data()) as Float32Array;
      const out = { loss, grads: (await Promise.all(Object.values(grads).map((g) => g.data()))) as Float32Array[] };
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    },
    dispose() {
      adapter.dispose();
      model.dispose();
      ids.dispose();
    },
  };
}
