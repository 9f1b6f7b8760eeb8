import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import type { DecoderModel } from '../model/llama';
import { Rng } from '../util/rng';
import { makeBatch } from './batch';
import { computeStepGradients } from './grad-step';
import { causalLmLossSum } from './loss';
import { loraObjective } from './objective';
import { buildModel, cpuTinyModel, linearSpecs, randomAdapter, randomWeights, tinyConfig } from './testing/tiny-model';
import { initNodeBackend } from '../backend/node';

const config = tinyConfig({ layers: 4, hidden: 32, headDim: 8, intermediate: 64, vocab: 64 });
let model: DecoderModel;

beforeAll(async () => {
  model = await cpuTinyModel(config, 21);
});
afterAll(() => model.dispose());

function examples(n: number, len: number) {
  return Array.from({ length: n }, (_, i) => ({
    ids: Int32Array.from({ length: len - (i % 3) }, (_, t) => (i * 11 + t * 5 + 1) % 64),
    lossMask: Uint8Array.from({ length: len - (i % 3) }, (_, t) => (t >= 4 ? 1 : 0)),
  }));
}

function adapterWithB(dropout: number): Promise<LoraAdapter> {
  return randomAdapter({ ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout }, linearSpecs(config), 1);
}

describe('activation checkpointing', () => {
  it('stages() reproduce hiddenStates exactly', async () => {
    const ids = tf.tensor2d([[1, 2, 3, 4, 5]], [1, 5], 'int32');
    const want = await model.hiddenStates(ids, {}).data();
    const st = model.stages(ids);
    let x = st.embed();
    for (let i = 0; i < st.layers; i++) {
      const next = st.layer(i, x);
      x.dispose();
      x = next;
    }
    const got = st.finalNorm(x);
    expect(await got.data()).toEqual(want);
    tf.dispose([x, got, ids]);
    st.dispose();
  });

  it('gives the taped loss and gradients, dropout masks included, and leaves the dropout stream where the taped pass does', async () => {
    await sameGradients(model);
  });

  it('on wasm too, where each LoRA module and RMSNorm run as one op with their own gradients', async () => {
    await initNodeBackend('wasm');
    const onWasm = buildModel(config, randomWeights(config, 21));
    try {
      await sameGradients(onWasm);
    } finally {
      onWasm.dispose();
      await initNodeBackend('cpu');
    }
  });

  async function sameGradients(model: DecoderModel) {
    const ad = await adapterWithB(0.2);
    const batches = [
      makeBatch(examples(3, 12), { maxSeqLen: 16, bucket: 8 }),
      makeBatch(examples(2, 9), { maxSeqLen: 16, bucket: 8 }),
    ];
    const run = async (checkpointing: boolean) => {
      const objective = loraObjective(model, ad, { checkpointing });
      const rng = new Rng(99);
      objective.setDropoutRng(rng);
      const before = tf.memory().numTensors;
      const r = await computeStepGradients(objective, batches, 0);
      const after = tf.memory().numTensors - r.grads.size;
      return { ...r, rngState: rng.getState(), leaked: after - before };
    };
    const plain = await run(false);
    const ckpt = await run(true);
    expect(ckpt.leaked).toBe(0);
    expect(ckpt.rngState).toEqual(plain.rngState);
    expect(ckpt.loss).toBeCloseTo(plain.loss, 5);
    expect([...ckpt.grads.keys()].sort()).toEqual([...plain.grads.keys()].sort());
    for (const [name, g] of plain.grads) {
      const a = await g.data();
      const b = await ckpt.grads.get(name)!.data();
      const scale = Math.max(...a.map(Math.abs));
      expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale, name).toBeLessThan(1e-4);
    }
    for (const t of [...plain.grads.values(), ...ckpt.grads.values()]) t.dispose();
    ad.dispose();
  }

  it('needs far less memory than one taped pass', async () => {
    const ad = await adapterWithB(0);
    const batch = makeBatch(examples(2, 64), { maxSeqLen: 64, bucket: 8 });
    const peak = async (checkpointing: boolean) => {
      const objective = loraObjective(model, ad, { checkpointing });
      const base = tf.memory().numBytes;
      let grads: Map<string, tf.Tensor> | null = null;
      const prof = await tf.profile(async () => {
        grads = checkpointing
          ? (await objective.gradients!(batch, 1)).grads
          : new Map(
              Object.entries(
                tf.variableGrads(() => causalLmLossSum(model, batch, ad), [...objective.variables.values()]).grads,
              ),
            );
      });
      for (const g of grads!.values()) g.dispose();
      return prof.peakBytes - base;
    };
    const taped = await peak(false);
    const recomputed = await peak(true);
    expect(recomputed).toBeLessThan(0.45 * taped);
    ad.dispose();
  });
});
