// `evaluate` through the in-process engine on wasm and fake-indexeddb: a stored dataset and two imported PEFT
// adapters; the losses are the float64 PyTorch golden of fixtures/eval (the same records, any order), the Predict
// grid is the same batched or not, and a dataset of another tokenizer is refused with the reason.
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluateParams } from '../../protocol/eval-types';
import { fixtureFilesSource, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import { localEngine } from '../../test-utils/channel-engine.node.js';
import type { LocalEngine } from '../local-engine';

const EVAL = path.join(REPO_ROOT, 'fixtures', 'eval');
const source = fixtureFilesSource('llama-tied');
const golden = JSON.parse(readFileSync(path.join(EVAL, 'golden.json'), 'utf8')) as {
  variants: Record<string, { loss: number; tokens: number }>;
};
const folderBlobs = (dir: string) =>
  readdirSync(dir).map((n) => ({ name: n, blob: new Blob([readFileSync(path.join(dir, n))]) }));

let engine: LocalEngine;
let datasetId: string;
let foreignId: string;
let a: string;
let b: string;

beforeAll(async () => {
  ({ engine } = await localEngine('engine-evaluate'));
  const info = await engine.request('loadModel', { source, quant: 'f32' });
  const data = { name: 'data.jsonl', blob: new Blob([readFileSync(path.join(EVAL, 'data.jsonl'))]) };
  const prepare = (tokenizerId: string) =>
    engine.request('prepareData', {
      name: 'qa',
      files: [data],
      tokenizer: source,
      tokenizerId,
      options: { evalSplit: 2, seed: 1 },
    });
  datasetId = (await prepare(info.id)).datasetId!;
  foreignId = (await prepare('someone/other-model')).datasetId!;
  a = (await engine.request('importAdapter', { files: folderBlobs(path.join(EVAL, 'adapter-a')), name: 'a' })).id;
  b = (await engine.request('importAdapter', { files: folderBlobs(path.join(EVAL, 'adapter-b')), name: 'b' })).id;
}, 60_000);
afterAll(() => engine.dispose());

const variants = (): EvaluateParams['variants'] => [
  { name: 'base', adapters: [] },
  { name: 'a', adapters: [{ id: a, weight: 1 }] },
  { name: 'b', adapters: [{ id: b, weight: 0.5 }] },
  {
    name: 'ab',
    adapters: [
      { id: a, weight: 0.7 },
      { id: b, weight: -0.3 },
    ],
  },
];

describe('evaluate', () => {
  it('scores every variant as the float64 golden does, with intervals, per-example losses and heat-map details', async () => {
    const progress: number[] = [];
    const r = await engine.request(
      'evaluate',
      { datasetId, variants: variants(), split: 'all', detailCount: 3 },
      { onEvent: (e) => e.kind === 'progress' && progress.push(e.done) },
    );
    const expected = Object.values(golden.variants);
    expect(r.dataset).toBe('qa');
    expect(r.variants.map((v) => v.variant)).toEqual(['base', 'a', 'b', 'ab']);
    r.variants.forEach((v, i) => {
      expect(Math.abs(v.loss - expected[i].loss)).toBeLessThan(1e-5);
      expect(v.tokens).toBe(expected[i].tokens);
      expect(v.examples).toBe(6);
      expect(v.exampleLosses).toHaveLength(6);
      expect(v.ci95[0]).toBeLessThan(v.loss);
      expect(v.ci95[1]).toBeGreaterThan(v.loss);
    });
    expect(progress.at(-1)).toBe(24);
    expect(r.details).toHaveLength(3);
    const d = r.details[0];
    expect(d.pieces).toHaveLength(d.lossMask.length);
    expect(d.nll).toHaveLength(4);
    d.nll.forEach((row) => row.forEach((x, t) => expect(x === null).toBe(!(t > 0 && d.lossMask[t]))));
    // Worst first: by the highest loss any variant has on it.
    const worst = (i: number) => Math.max(...r.variants.map((v) => v.exampleLosses[i]));
    expect(worst(r.details[0].index)).toBeGreaterThanOrEqual(worst(r.details[1].index));
  });

  it('the held-out split by default; the Predict grid is the same batched or one variant at a time', async () => {
    const params: EvaluateParams = { datasetId, variants: variants(), predict: { count: 2, maxNewTokens: 5 } };
    const batched = await engine.request('evaluate', params);
    const alone = await engine.request('evaluate', { ...params, batched: false });
    expect(batched.variants[0].examples).toBe(2);
    expect(batched.predict!.prompts).toHaveLength(2);
    expect(batched.predict!.cells).toHaveLength(4);
    expect(batched.predict!.cells).toEqual(alone.predict!.cells);
    batched.variants.forEach((v, i) => expect(Math.abs(v.loss - alone.variants[i].loss)).toBeLessThan(1e-5));
    expect(typeof batched.predict!.prompts[0].reference).toBe('string');
  });

  it('refuses a dataset prepared with another tokenizer, and no variants', async () => {
    await expect(engine.request('evaluate', { datasetId: foreignId, variants: variants() })).rejects.toThrow(
      /prepared with the tokenizer of 'someone\/other-model'/,
    );
    await expect(engine.request('evaluate', { datasetId, variants: [] })).rejects.toThrow(/at least one variant/);
  });
});
