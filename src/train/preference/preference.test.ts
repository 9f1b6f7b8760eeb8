/**
 * DPO / IPO / ORPO against float64 PyTorch (fixtures/lora/dpo-llama, scripts/fixtures/make_dora_dpo_fixtures.py):
 * loss, TRL's metrics and every lora_A/lora_B gradient, on the plain and the activation-checkpointed gradient paths;
 * the exact invariant (a fresh adapter is the reference, so DPO's first loss is ln 2); and a short DPO run that
 * widens the chosen-minus-rejected margin on held-out pairs.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../backend/node';
import { tf } from '../../backend/tf';
import { pairExample } from '../../data/pair';
import type { TokenizedExample } from '../../data/types';
import { importPeft } from '../../lora/peft';
import { specsOf } from '../../lora/config';
import { DEFAULT_LORA_CONFIG } from '../../spec/lora-config';
import { doraRowNorms } from '../../lora/dora';
import { LoraAdapter } from '../../lora/lora-adapter';
import type { DecoderModel } from '../../model/llama';
import { folderFiles } from '../../model/folder-files.node.js';
import { loadModel } from '../../model/load';
import { Rng } from '../../util/rng';
import { makeBatch } from '../batch';
import { computeStepGradients } from '../grad-step';
import { loraObjective } from '../objective';
import { DEFAULT_TRAIN_CONFIG } from '../../spec/train-config';
import { Trainer } from '../trainer';
import type { PreferenceMetrics, PreferenceSpec } from './preference-loss';
import { preferenceObjective } from './preference-objective';
import { rowLabelCounts, rowLogProbSums } from './sequence-logps';

const DIR = path.resolve(__dirname, '../../../fixtures/lora/dpo-llama');

interface Side {
  ids: number[];
  lossMask: number[];
}
interface Golden {
  beta: number;
  pairs: Array<{ chosen: Side; rejected: Side }>;
  preference: Record<
    'sigmoid' | 'ipo' | 'orpo',
    { loss: number; metrics: PreferenceMetrics & Record<string, number>; grads: Record<string, number[]> }
  >;
}

const golden = JSON.parse(readFileSync(path.join(DIR, 'golden.json'), 'utf8')) as Golden;
const side = (s: Side): TokenizedExample => ({ ids: Int32Array.from(s.ids), lossMask: Uint8Array.from(s.lossMask) });
const pairs = golden.pairs.map((p) => pairExample(side(p.chosen), side(p.rejected)));
const SPECS: Record<keyof Golden['preference'], PreferenceSpec> = {
  sigmoid: { method: 'dpo', beta: golden.beta, loss: 'sigmoid' },
  ipo: { method: 'dpo', beta: golden.beta, loss: 'ipo' },
  orpo: { method: 'orpo', beta: golden.beta, loss: 'sigmoid' },
};

beforeAll(async () => {
  await initNodeBackend('cpu');
});

async function load(): Promise<{ model: DecoderModel; adapter: LoraAdapter }> {
  const model = await loadModel(folderFiles(DIR));
  const { adapter } = await importPeft(folderFiles(path.join(DIR, 'adapter')), specsOf(model.linears()));
  return { model, adapter };
}

describe.each(['sigmoid', 'ipo', 'orpo'] as const)('preference loss vs PyTorch: %s', (name) => {
  it('loss, TRL metrics and every gradient match (plain and checkpointed gradient paths, 1e-4)', async () => {
    const { model, adapter } = await load();
    const want = golden.preference[name];
    const batch = makeBatch(pairs, { maxSeqLen: 64, bucket: 8 });
    for (const checkpointing of [false, true]) {
      const objective = preferenceObjective(
        model,
        adapter,
        loraObjective(model, adapter, { checkpointing }),
        SPECS[name],
      );
      const step = await computeStepGradients(objective, [batch], 0);
      expect(Math.abs(step.loss - want.loss) / Math.max(1, Math.abs(want.loss))).toBeLessThan(1e-4);
      const metrics = objective.takeMetrics!()!;
      for (const k of Object.keys(metrics) as (keyof PreferenceMetrics)[])
        expect(metrics[k], k).toBeCloseTo(want.metrics[k], 4);
      expect([...step.grads.keys()].sort()).toEqual(Object.keys(want.grads).sort());
      for (const [key, g] of Object.entries(want.grads)) {
        const got = step.grads.get(key)!.dataSync();
        const scale = Math.max(...g.map(Math.abs));
        let err = 0;
        for (let i = 0; i < g.length; i++) err = Math.max(err, Math.abs(got[i] - g[i]));
        expect(err / scale, `${key} (checkpointing ${checkpointing})`).toBeLessThan(1e-4);
      }
      tf.dispose([...step.grads.values()]);
      // The untaped loss (evaluation) is the same number.
      const evalLoss = tf.tidy(() => objective.lossSum(batch, false));
      expect(Math.abs((await evalLoss.data())[0] - want.loss) / Math.max(1, Math.abs(want.loss))).toBeLessThan(1e-4);
      evalLoss.dispose();
    }
    adapter.dispose();
    model.dispose();
  });
});

describe('DPO training', () => {
  it('first loss is ln 2 within 1e-4 (policy = reference at init), with LoRA and with DoRA', async () => {
    const model = await loadModel(folderFiles(DIR));
    const specs = specsOf(model.linears());
    for (const useDora of [false, true]) {
      const lora = { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, useDora };
      const adapter = LoraAdapter.create(lora, specs, new Rng(1), await doraRowNorms(lora, specs));
      const objective = preferenceObjective(model, adapter, loraObjective(model, adapter), SPECS.sigmoid);
      const trainer = new Trainer({
        objective,
        train: pairs,
        config: { ...DEFAULT_TRAIN_CONFIG, steps: 1, batchSize: 3, method: 'dpo' },
        runId: 'ln2',
      });
      const result = await trainer.run();
      expect(Math.abs(result.metrics[0].loss - Math.LN2)).toBeLessThan(1e-4);
      expect(result.metrics[0]['rewards/margins']).toBeCloseTo(0, 5);
      trainer.dispose();
      adapter.dispose();
    }
    model.dispose();
  });

  it('a short run raises the chosen − rejected margin on held-out pairs', async () => {
    const model = await loadModel(folderFiles(DIR));
    // Every prompt prefers the answer [40, 41, 2] to [50, 51, 2]; held-out prompts are new.
    const rng = new Rng(5);
    const makePair = (): TokenizedExample => {
      const prompt = [1, ...Array.from({ length: 3 }, () => 3 + Math.floor(rng.nextFloat() * 30))];
      const seq = (answer: number[]) => ({
        ids: Int32Array.from([...prompt, ...answer]),
        lossMask: Uint8Array.from([...prompt.map(() => 0), 1, 1, 1]),
      });
      return pairExample(seq([40, 41, 2]), seq([50, 51, 2]));
    };
    const train = Array.from({ length: 16 }, makePair);
    const heldOut = makeBatch(Array.from({ length: 6 }, makePair), { maxSeqLen: 64, bucket: 1 });
    const adapter = LoraAdapter.create(
      { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout: 0 },
      specsOf(model.linears()),
      new Rng(2),
    );
    const margin = async () => {
      const t = tf.tidy(() => rowLogProbSums(model, heldOut, adapter).sub(rowLogProbSums(model, heldOut, null)));
      const d = await t.data(); // policy − reference per row
      t.dispose();
      let m = 0;
      for (let p = 0; p < d.length / 2; p++) m += (d[2 * p] - d[2 * p + 1]) / (d.length / 2);
      return m;
    };
    expect(await margin()).toBeCloseTo(0, 5);
    const objective = preferenceObjective(model, adapter, loraObjective(model, adapter), SPECS.sigmoid);
    const config = {
      ...DEFAULT_TRAIN_CONFIG,
      steps: 12,
      batchSize: 2,
      lr: 5e-3,
      schedule: 'constant' as const,
      method: 'dpo' as const,
    };
    const trainer = new Trainer({ objective, train, config, runId: 'margin' });
    const result = await trainer.run();
    const after = await margin();
    expect(after).toBeGreaterThan(1); // measured in the commit message
    expect(result.metrics.at(-1)!.loss).toBeLessThan(Math.LN2);
    expect(rowLabelCounts(heldOut)[0]).toBe(3);
    console.log(
      `held-out margin 0 → ${after.toFixed(3)}; loss ${result.metrics[0].loss.toFixed(4)} → ${result.metrics.at(-1)!.loss.toFixed(4)}`,
    );
    trainer.dispose();
    adapter.dispose();
    model.dispose();
  });
});
