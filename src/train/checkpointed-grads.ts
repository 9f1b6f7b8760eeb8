/**
 * LoRA gradients with activation checkpointing. tfjs keeps every intermediate of a taped forward pass until the
 * backward pass, which for a 30-layer model is gigabytes (see memory-estimate.ts). Here the forward runs untaped,
 * keeping only each layer's input [rows, hidden]; the LM head and loss run in chunks of label rows (head-loss.ts); then each layer
 * is recomputed under its own small tape, newest first, to get its LoRA gradients and the gradient of its input —
 * the recomputation unsloth and HF `gradient_checkpointing` do. Dropout masks are reproduced exactly by replaying
 * the dropout stream from the state saved before each layer.
 */
import { tf, type Tensor2D } from '../backend/tf';
import type { AdapterHook } from '../model/linear';
import type { DecoderStages } from '../model/llama';
import type { Rng } from '../util/rng';
import type { LmBatch } from './batch';
import { chunkedHeadNllSum } from './head-loss';
import { headOf, selectRows, type CausalLm } from './loss';

/** A model that can run one layer at a time (`DecoderModel` is one). */
export interface LayerwiseLm extends CausalLm {
  stages(ids: Tensor2D, opts: { hook?: AdapterHook | null; attentionMask?: ArrayLike<number>[] | null }): DecoderStages;
}

export interface CheckpointedResult {
  /** Σ token NLL of the batch (not divided). */
  lossSum: number;
  /** Gradients of lossSum / denom by variable name; owned by the caller. */
  grads: Map<string, tf.Tensor>;
}

/** Groups variables by the decoder layer their name points into (`model.layers.<i>.…`). */
function variablesByLayer(
  variables: ReadonlyMap<string, tf.Variable>,
  layers: number,
): Array<Array<[string, tf.Variable]>> {
  const out = Array.from({ length: layers }, () => [] as Array<[string, tf.Variable]>);
  for (const [name, v] of variables) {
    const m = /(?:^|\.)layers\.(\d+)\./.exec(name);
    const i = m ? Number(m[1]) : -1;
    if (i < 0 || i >= layers)
      throw new Error(`checkpointed training: variable '${name}' is not inside a decoder layer`);
    out[i].push([name, v]);
  }
  return out;
}

/** dLoss/dh for the last layer's output h [rows, hidden] (the LM head and loss in chunks, head-loss.ts), and the loss sum. */
async function headGradient(
  model: CausalLm,
  st: DecoderStages,
  h: Tensor2D,
  batch: LmBatch,
  denom: number,
): Promise<{ lossSum: number; g: Tensor2D }> {
  const hv = tf.variable(h, true);
  try {
    const { value, grads } = tf.variableGrads(() => {
      const normed = st.finalNorm(selectRows(hv, batch.predictRows)); // [labels, hidden]
      return chunkedHeadNllSum(
        headOf(model),
        normed,
        batch.labels,
        model.config.vocab,
        undefined,
        batch.labelWeights,
      ).div(denom) as tf.Scalar;
    }, [hv]);
    const lossSum = (await value.data())[0] * denom;
    value.dispose();
    return { lossSum, g: grads[hv.name] as Tensor2D };
  } finally {
    hv.dispose();
  }
}

/** Loss and LoRA gradients of one micro-batch with activation checkpointing. */
export async function checkpointedGradients(
  model: LayerwiseLm,
  batch: LmBatch,
  hook: AdapterHook,
  variables: ReadonlyMap<string, tf.Variable>,
  denom: number,
  dropoutRng: Rng | null,
): Promise<CheckpointedResult> {
  const grads = new Map<string, tf.Tensor>();
  if (batch.labels.length === 0) return { lossSum: 0, grads };
  const ids = tf.tensor2d(batch.ids, [batch.batch, batch.seq], 'int32');
  const attentionMask = batch.attention.some((row) => row.includes(0)) ? batch.attention : null;
  const st = model.stages(ids, { hook, attentionMask });
  const inputs: Tensor2D[] = []; // each [rows, hidden], the only activations kept
  try {
    const byLayer = variablesByLayer(variables, st.layers);
    const rngStates: number[][] = [];
    let x = st.embed();
    for (let i = 0; i < st.layers; i++) {
      inputs.push(x);
      if (dropoutRng) rngStates.push(dropoutRng.getState());
      x = st.layer(i, x);
    }
    const endState = dropoutRng?.getState();
    const head = await headGradient(model, st, x, batch, denom);
    x.dispose();
    let g = head.g; // dLoss/d(output of layer i)
    for (let i = st.layers - 1; i >= 0; i--) {
      if (dropoutRng) dropoutRng.setState(rngStates[i]);
      const xv = tf.variable(inputs[i], true);
      const vars = [xv, ...byLayer[i].map(([, v]) => v)];
      const out = tf.variableGrads(() => tf.sum(tf.mul(st.layer(i, xv), g)) as tf.Scalar, vars);
      out.value.dispose();
      for (const [name, v] of byLayer[i]) if (out.grads[v.name]) grads.set(name, out.grads[v.name]);
      g.dispose();
      g = out.grads[xv.name] as Tensor2D;
      xv.dispose();
    }
    g.dispose();
    if (dropoutRng && endState) dropoutRng.setState(endState);
    return { lossSum: head.lossSum, grads };
  } catch (e) {
    for (const t of grads.values()) t.dispose();
    throw e;
  } finally {
    tf.dispose(inputs);
    st.dispose();
    ids.dispose();
  }
}
