/**
 * The engine against PyTorch: fixtures/lora/* hold a tiny base, a PEFT adapter written by
 * scripts/fixtures/make_lora_fixtures.py, and float64 autograd results (loss, dLoss/dA, dLoss/dB per module,
 * adapter log-probabilities). The dora-* cases (scripts/fixtures/make_dora_dpo_fixtures.py) are DoRA adapters as
 * PEFT writes them, with the magnitude gradients checked too; dora-qwen2 has biased q/k/v.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { importPeft } from './peft';
import { folderFiles } from '../model/folder-files.node.js';
import { loadModel } from '../model/load';
import { makeBatch } from '../train/batch';
import { computeStepGradients } from '../train/grad-step';
import { loraObjective } from '../train/objective';
import { specsOf } from './config';

const ROOT = path.resolve(__dirname, '../../fixtures/lora');

interface Golden {
  examples: Array<{ ids: number[]; lossMask: number[] }>;
  loss: number;
  grads: Record<string, number[]>;
  scores: Array<{ ids: number[]; logprobs: (number | null)[] }>;
}

beforeAll(async () => {
  await initNodeBackend('cpu');
});

describe.each(['llama', 'qwen2-rslora', 'dora-llama', 'dora-qwen2'])('LoRA vs PyTorch golden: %s', (name) => {
  const dir = path.join(ROOT, name);
  const golden = JSON.parse(readFileSync(path.join(dir, 'golden.json'), 'utf8')) as Golden;
  const examples = golden.examples.map((e) => ({ ids: Int32Array.from(e.ids), lossMask: Uint8Array.from(e.lossMask) }));

  async function load() {
    const model = await loadModel(folderFiles(dir));
    const { adapter } = await importPeft(folderFiles(path.join(dir, 'adapter')), specsOf(model.linears()));
    return { model, adapter };
  }

  it('loss and every lora_A/lora_B gradient match (one padded batch; accumulated micro-batches; activation checkpointing)', async () => {
    const { model, adapter } = await load();
    const objective = loraObjective(model, adapter);
    const whole = await computeStepGradients(objective, [makeBatch(examples, { maxSeqLen: 64, bucket: 8 })], 0);
    const split = await computeStepGradients(
      objective,
      [
        makeBatch(examples.slice(0, 2), { maxSeqLen: 64, bucket: 8 }),
        makeBatch(examples.slice(2), { maxSeqLen: 64, bucket: 1 }),
      ],
      0,
    );
    const recomputed = await computeStepGradients(
      loraObjective(model, adapter, { checkpointing: true }),
      [makeBatch(examples, { maxSeqLen: 64, bucket: 8 })],
      0,
    );
    expect(whole.loss).toBeCloseTo(golden.loss, 4);
    expect(recomputed.loss).toBeCloseTo(golden.loss, 4);
    expect(split.loss).toBeCloseTo(golden.loss, 4);
    expect([...whole.grads.keys()].sort()).toEqual(Object.keys(golden.grads).sort());
    const types = new Set<string>();
    for (const [key, want] of Object.entries(golden.grads)) {
      const scale = Math.max(...want.map(Math.abs));
      for (const got of [
        whole.grads.get(key)!.dataSync(),
        split.grads.get(key)!.dataSync(),
        recomputed.grads.get(key)!.dataSync(),
      ]) {
        let err = 0;
        for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
        expect(err / scale, key).toBeLessThan(1e-4);
      }
      types.add(key.replace(/^model\.layers\.\d+\.\w+\./, ''));
    }
    if (name === 'llama') expect(types.size).toBe(14); // q,k,v,o,gate,up,down × A,B
    if (name === 'dora-llama') expect(types.size).toBe(21); // … × A, B, magnitude
    for (const g of [...whole.grads.values(), ...split.grads.values(), ...recomputed.grads.values()]) g.dispose();
    adapter.dispose();
    model.dispose();
  });

  it('a PEFT adapter written by PyTorch scores like PyTorch (1e-4)', async () => {
    const { model, adapter } = await load();
    for (const s of golden.scores) {
      const got = await model.logProbs(s.ids, { hook: adapter });
      expect(got[0]).toBeNull();
      for (let t = 1; t < s.ids.length; t++) expect(Math.abs(got[t]! - s.logprobs[t]!)).toBeLessThan(1e-4);
    }
    adapter.dispose();
    model.dispose();
  });
});
