/**
 * The sample datasets change the shipped demo model the way their descriptions say, on a budget a unit test can
 * afford (short runs; public/datasets/EFFECTS.md has the full Quick-preset numbers from report-effects.ts).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/backend/node';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { loadModel } from '../../src/model/load';
import type { DecoderModel } from '../../src/model/llama';
import { loadTokenizer } from '../../src/tokenizer/load';
import type { TextTokenizer } from '../../src/tokenizer/types';
import {
  DATASETS_DIR,
  firstJsonRecord,
  greedyText,
  heldOutLoss,
  loadSample,
  mix,
  trainQuick,
  type SampleData,
  type TrainedAdapter,
} from './adapter-effects';

const STEPS = 16;
let model: DecoderModel;
let tok: TextTokenizer;
const data: Record<string, SampleData> = {};
const trained: Record<string, TrainedAdapter> = {};

beforeAll(async () => {
  await initNodeBackend('wasm');
  const files = folderFiles(path.join(DATASETS_DIR, '../models/lorastudio-demo'));
  [model, tok] = await Promise.all([loadModel(files), loadTokenizer(files)]);
  for (const id of ['melville', 'sotu']) {
    data[id] = await loadSample(id, tok, 12);
    trained[id] = await trainQuick(model, data[id], STEPS);
  }
}, 240_000);

afterAll(() => {
  for (const t of Object.values(trained)) t.dispose();
  model?.dispose();
});

describe('style adapters on the demo model', () => {
  it('each adapter fits its own held-out text better than the base and better than the other adapter', async () => {
    for (const [own, other] of [
      ['melville', 'sotu'],
      ['sotu', 'melville'],
    ]) {
      const ev = data[own].eval;
      const base = await heldOutLoss(model, ev, null);
      const mine = await heldOutLoss(model, ev, trained[own].adapter);
      const theirs = await heldOutLoss(model, ev, trained[other].adapter);
      expect(mine, own).toBeLessThan(base);
      expect(mine, own).toBeLessThan(theirs);
    }
  });

  it('mixing the two in one stack blends them: the loss on each text moves monotonically with the weight', async () => {
    const adapters = { melville: trained.melville.adapter, sotu: trained.sotu.adapter };
    const sweep = [];
    for (const w of [0, 0.5, 1]) {
      const stack = mix(adapters, { melville: w, sotu: 1 - w });
      sweep.push({
        m: await heldOutLoss(model, data.melville.eval, stack),
        s: await heldOutLoss(model, data.sotu.eval, stack),
      });
    }
    expect(sweep[0].m).toBeGreaterThan(sweep[1].m);
    expect(sweep[1].m).toBeGreaterThan(sweep[2].m);
    expect(sweep[0].s).toBeLessThan(sweep[1].s);
    expect(sweep[1].s).toBeLessThan(sweep[2].s);
  });

  it('changes what greedy decoding writes', async () => {
    const prompt = { text: 'It is the duty of' };
    const outs = await Promise.all(
      [null, trained.melville.adapter, trained.sotu.adapter].map((hook) => greedyText(model, tok, prompt, hook, 16)),
    );
    expect(new Set(outs).size).toBe(3);
  });
});

describe('format adapter on the demo model', () => {
  it('a short ship-log-json run cuts the loss on held-out JSON answers by at least 15%', async () => {
    const d = await loadSample('ship-log-json', tok, 8);
    const before = await heldOutLoss(model, d.eval, null);
    const t = await trainQuick(model, d, STEPS);
    const after = await heldOutLoss(model, d.eval, t.adapter);
    t.dispose();
    expect(after).toBeLessThan(before * 0.85); // measured on a mid-pretraining checkpoint: 7.64 → 6.04 (−21%)
  }, 120_000);

  it('reads the first JSON record of a completion', () => {
    expect(firstJsonRecord(' {"ship":"Essex","date":"1820-11-20"} and more')).toEqual({
      ship: 'Essex',
      date: '1820-11-20',
    });
    expect(firstJsonRecord('{"ship":')).toBeNull();
    expect(firstJsonRecord('no record')).toBeNull();
  });
});
