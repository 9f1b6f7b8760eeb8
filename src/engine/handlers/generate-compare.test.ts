// Generate's side by side as one multiplexed batch: each pane's text is what `generate` writes for it alone (same
// seed, sampling), tokens stream tagged with their row, and the live mix (weight 0) gives the base's text.
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateParams } from '../../protocol/generate-types';
import { fixtureFilesSource, REPO_ROOT } from '../../test-utils/model-fixtures.node.js';
import { localEngine } from '../../test-utils/channel-engine.node.js';
import type { LocalEngine } from '../local-engine';

const ADAPTER = path.join(REPO_ROOT, 'fixtures', 'eval', 'adapter-a');
const ADAPTER_B = path.join(REPO_ROOT, 'fixtures', 'eval', 'adapter-b');
let engine: LocalEngine;
let adapterId: string;

beforeAll(async () => {
  ({ engine } = await localEngine('engine-compare'));
  await engine.request('loadModel', { source: fixtureFilesSource('llama-tied'), quant: 'f32' });
  const files = readdirSync(ADAPTER).map((n) => ({ name: n, blob: new Blob([readFileSync(path.join(ADAPTER, n))]) }));
  adapterId = (await engine.request('importAdapter', { files, name: 'a' })).id;
  await engine.request('setActiveAdapters', { adapters: [{ id: adapterId, weight: 1 }] });
}, 60_000);
afterAll(() => engine.dispose());

const ask = (temperature: number): Omit<GenerateParams, 'use'> => ({
  prompt: 'Two plus two is',
  maxNewTokens: 10,
  seed: 11,
  sampling: { temperature, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
});

describe('generateCompare', () => {
  it.each([0, 0.8])('each pane equals generate alone (temperature %s), tokens tagged by row', async (temperature) => {
    const streamed = ['', ''];
    const both = await engine.request(
      'generateCompare',
      { ...ask(temperature), uses: ['base', 'adapters'] },
      {
        onEvent: (e) => {
          if (e.kind === 'token' && e.row !== undefined) streamed[e.row] += e.text;
        },
      },
    );
    const base = await engine.request('generate', { ...ask(temperature), use: 'base' });
    const tuned = await engine.request('generate', { ...ask(temperature), use: 'adapters' });
    expect(both.map((r) => r.text)).toEqual([base.text, tuned.text]);
    expect(streamed).toEqual([base.text, tuned.text]);
    expect(both[1].adapters).toEqual([{ id: adapterId, weight: 1 }]);
    expect(both[0].adapters).toEqual([]);
    expect(base.text).not.toBe(tuned.text);
  });

  it('weight 0 on the only adapter gives the base text in the adapters pane', async () => {
    await engine.request('setActiveAdapters', { adapters: [{ id: adapterId, weight: 0 }] });
    const both = await engine.request('generateCompare', { ...ask(0.8), uses: ['base', 'adapters'] });
    expect(both[1].text).toBe(both[0].text);
    await engine.request('setActiveAdapters', { adapters: [{ id: adapterId, weight: 1 }] });
  });

  it('mix changes apply in the order sent, and a generation waits for the ones sent before it', async () => {
    const files = readdirSync(ADAPTER_B).map((n) => ({
      name: n,
      blob: new Blob([readFileSync(path.join(ADAPTER_B, n))]),
    }));
    const b = (await engine.request('importAdapter', { files, name: 'b' })).id;
    // Opening b from storage takes a while; the compare comes right behind the change, as a quick click would.
    const change = engine.request('setActiveAdapters', { adapters: [{ id: b, weight: 1 }] });
    const [, withB] = await engine.request('generateCompare', { ...ask(0), uses: ['base', 'adapters'] });
    expect(withB.adapters).toEqual([{ id: b, weight: 1 }]);
    await change;
    const alone = await engine.request('generate', { ...ask(0), use: 'adapters' });
    expect(withB.text).toBe(alone.text);

    // Changes apply in the order sent: the last one wins even when an earlier one has an adapter still to open.
    const c = (await engine.request('importAdapter', { files, name: 'c' })).id;
    await Promise.all([
      engine.request('setActiveAdapters', { adapters: [{ id: c, weight: 1 }] }),
      engine.request('setActiveAdapters', { adapters: [{ id: adapterId, weight: 1 }] }),
    ]);
    const after = await engine.request('generate', { ...ask(0), maxNewTokens: 1, use: 'adapters' });
    expect(after.adapters).toEqual([{ id: adapterId, weight: 1 }]);
  });

  it('renders the prompt in the given format, as generate does (an adapter trained on templated prompts)', async () => {
    const format = { template: 'Question: {prompt}\nAnswer:' };
    const [plain] = await engine.request('generateCompare', { ...ask(0), uses: ['base'] });
    const [templated] = await engine.request('generateCompare', { ...ask(0), format, uses: ['base'] });
    const single = await engine.request('generate', { ...ask(0), format, use: 'base' });
    expect(templated.promptTokens).toBeGreaterThan(plain.promptTokens);
    expect(templated).toMatchObject({ text: single.text, promptTokens: single.promptTokens });
  });
});
