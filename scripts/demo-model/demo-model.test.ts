import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/backend/node';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { generate } from '../../src/generate/generate';
import { loadModel } from '../../src/model/load';
import { loadTokenizer } from '../../src/tokenizer/load';
import { pretrainingCorpus } from '../datasets/corpus';
import { heldOutPerplexity, TEST_SLICE_TOKENS } from './perplexity';
import { encodeStream } from './token-stream';
import { DEMO_DIR } from './train-bpe';

interface EvalJson {
  heldOutPerplexity: number;
  testSlicePerplexity: number;
  testSliceTokens: number;
  samples: { prompt: string; greedy: string; penalized: string; sampled: string }[];
}

/** The corpus's unigram perplexity (entropy 6.72 nats): a model that ignores context cannot beat it. */
const UNIGRAM_PERPLEXITY = 830;

const words = (text: string): string[] => text.toLowerCase().match(/[a-z]+/g) ?? [];

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('shipped demo model (public/models/lorastudio-demo)', () => {
  it('is a small HF Llama folder the engine loads', async () => {
    const files = folderFiles(DEMO_DIR);
    for (const f of [
      'config.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
      'generation_config.json',
      'README.md',
    ]) {
      expect(await files.size(f), f).not.toBeNull();
    }
    const total = (await files.list()).reduce((s, f) => s + statSync(path.join(DEMO_DIR, f)).size, 0);
    expect(total).toBeLessThan(20e6);
    const model = await loadModel(files);
    expect(model.config).toMatchObject({
      family: 'llama',
      vocab: 4096,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 256,
    });
    model.dispose();
  });

  it('scores the held-out slice at the perplexity its model card states', async () => {
    const evalJson = JSON.parse(readFileSync(path.join(DEMO_DIR, 'eval.json'), 'utf8')) as EvalJson;
    const files = folderFiles(DEMO_DIR);
    const [model, tok] = await Promise.all([loadModel(files), loadTokenizer(files)]);
    const card = readFileSync(path.join(DEMO_DIR, 'README.md'), 'utf8');
    expect(card).toContain(`perplexity ${evalJson.testSlicePerplexity.toFixed(2)}`);
    const heldOut = encodeStream(tok, pretrainingCorpus().heldOut);
    const p = await heldOutPerplexity(model, heldOut, model.config.maxPositionEmbeddings, TEST_SLICE_TOKENS);
    model.dispose();
    expect(p.tokens).toBe(evalJson.testSliceTokens);
    expect(Math.abs(p.perplexity - evalJson.testSlicePerplexity) / evalJson.testSlicePerplexity).toBeLessThan(1e-3);
    // better than a uniform guess over the vocabulary
    expect(p.perplexity).toBeLessThan(4096);
  });

  it('continues English prompts with corpus words in a sensible order, as its card shows', async () => {
    const evalJson = JSON.parse(readFileSync(path.join(DEMO_DIR, 'eval.json'), 'utf8')) as EvalJson;
    // context matters: far below what unigram statistics alone reach
    expect(evalJson.heldOutPerplexity).toBeLessThan(UNIGRAM_PERPLEXITY / 2);
    const files = folderFiles(DEMO_DIR);
    const [model, tok] = await Promise.all([loadModel(files), loadTokenizer(files)]);
    const known = new Set(words(pretrainingCorpus().train.join('\n')));
    for (const s of evalJson.samples) {
      const r = await generate(model, tok, {
        prompt: s.prompt,
        maxNewTokens: 48,
        temperature: 0,
        repetitionPenalty: 1.3,
      });
      expect(r.text).toBe(s.penalized); // the card shows what the files produce
      const w = words(r.text);
      expect(w.length, s.prompt).toBeGreaterThanOrEqual(15);
      expect(w.filter((x) => known.has(x)).length / w.length, r.text).toBeGreaterThanOrEqual(0.9);
      expect(new Set(w).size / w.length, r.text).toBeGreaterThanOrEqual(0.5); // not a loop
      expect(r.text, r.text).toMatch(/[,.;]/);
    }
    model.dispose();
  });
});
