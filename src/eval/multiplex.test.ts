/**
 * Multiplexed batches: rows with different adapters in one forward pass give what each variant gives alone
 * (greedy tokens identical, losses equal), on wasm with the llama-tied fixture and two PEFT adapters of it.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { tf } from '../backend/tf';
import { generate } from '../generate/generate';
import { loadAdapterStack, type LoadedAdapters } from '../lora/adapter-folders.node.js';
import { specsOf } from '../lora/config';
import type { DecoderModel } from '../model/llama';
import { folderFiles } from '../model/folder-files.node.js';
import { loadModel } from '../model/load';
import { modelFixtureDir, REPO_ROOT } from '../test-utils/model-fixtures.node.js';
import { loadTokenizer } from '../tokenizer/load';
import type { TextTokenizer } from '../tokenizer/types';
import { generateGrid } from './batched-generate';
import { MultiplexHook } from './multiplex-hook';
import type { EvalVariant } from './evaluate';
import { tokenLosses } from './token-losses';

const EVAL = path.join(REPO_ROOT, 'fixtures', 'eval');
let model: DecoderModel;
let tokenizer: TextTokenizer;
const loaded: LoadedAdapters[] = [];
let variants: EvalVariant[];

beforeAll(async () => {
  await initNodeBackend('wasm');
  const files = folderFiles(modelFixtureDir('llama-tied'));
  model = await loadModel(files);
  tokenizer = await loadTokenizer(files);
  const linears = specsOf(model.linears());
  const stack = async (specs: Array<{ dir: string; weight: number }>) => {
    const l = await loadAdapterStack(
      specs.map((s) => ({ ...s, dir: path.join(EVAL, s.dir) })),
      linears,
    );
    loaded.push(l);
    return l.stack;
  };
  variants = [
    { name: 'base', hook: null },
    { name: 'a', hook: await stack([{ dir: 'adapter-a', weight: 1 }]) },
    { name: 'b', hook: await stack([{ dir: 'adapter-b', weight: 0.5 }]) },
    {
      name: 'mix',
      hook: await stack([
        { dir: 'adapter-a', weight: 0.7 },
        { dir: 'adapter-b', weight: -0.3 },
      ]),
    },
  ];
});

afterAll(() => {
  loaded.forEach((l) => l.dispose());
  model.dispose();
});

const PROMPTS = ['Capital of France?', 'hi', 'Two plus two is', 'a longer prompt about the sea and ships'];

describe('multiplexed batches', () => {
  it('greedy grid in one batch equals every variant generated alone, token for token', async () => {
    const prompts = PROMPTS.map((p) => tokenizer.encode(p));
    await generateGrid(model, tokenizer, prompts, variants, { maxNewTokens: 12, seed: 1 }); // builds RoPE tables once
    const before = tf.memory().numTensors;
    const grid = await generateGrid(model, tokenizer, prompts, variants, { maxNewTokens: 12, seed: 1 });
    expect(tf.memory().numTensors).toBe(before); // the cache and every step's tensors are freed
    for (const [v, variant] of variants.entries()) {
      for (const [p, ids] of prompts.entries()) {
        const alone = await generate(model, tokenizer, {
          promptIds: ids,
          maxNewTokens: 12,
          seed: 1,
          hook: variant.hook,
        });
        expect(grid[v][p].ids).toEqual(alone.ids);
        expect(grid[v][p].text).toBe(alone.text);
      }
    }
    expect(grid[0][0].ids).not.toEqual(grid[1][0].ids);
  });

  it('near the context limit each row writes as many tokens as it would alone', async () => {
    const long = [1, ...Array.from({ length: 249 }, (_, i) => 5 + (i % 7))]; // 250 of the fixture's 256 positions
    const short = [1, 5, 6];
    const grid = await generateGrid(model, tokenizer, [long, short], variants.slice(0, 2), {
      maxNewTokens: 10,
      seed: 2,
      temperature: 0.9,
    });
    for (const [v, variant] of variants.slice(0, 2).entries()) {
      for (const [p, ids] of [long, short].entries()) {
        const alone = await generate(model, tokenizer, {
          promptIds: ids,
          maxNewTokens: 10,
          seed: 2,
          temperature: 0.9,
          hook: variant.hook,
        });
        expect(grid[v][p].ids).toEqual(alone.ids);
        expect(grid[v][p].finishReason).toBe(alone.finishReason);
      }
    }
  });

  it('sampled grid (same seed per row) equals every cell alone', async () => {
    const prompts = PROMPTS.slice(0, 2).map((p) => tokenizer.encode(p));
    const sampling = { maxNewTokens: 8, seed: 5, temperature: 0.8, topK: 20 };
    const batched = await generateGrid(model, tokenizer, prompts, variants, sampling);
    const alone = await generateGrid(model, tokenizer, prompts, variants, { ...sampling, batched: false });
    expect(batched.map((row) => row.map((c) => c.ids))).toEqual(alone.map((row) => row.map((c) => c.ids)));
  });

  it('per-token losses of mixed-adapter rows equal each variant scored alone', async () => {
    const examples = PROMPTS.map((p) => {
      const ids = Int32Array.from(tokenizer.encode(p));
      return { ids, lossMask: Uint8Array.from(ids, (_, t) => (t > 1 ? 1 : 0)) };
    });
    const mixed = await tokenLosses(
      model,
      variants.flatMap((v) => examples.map((example) => ({ example, hook: v.hook }))),
      { batchRows: 16 },
    );
    for (const [v, variant] of variants.entries()) {
      const alone = await tokenLosses(
        model,
        examples.map((example) => ({ example, hook: variant.hook })),
        { batchRows: 1 },
      );
      alone.forEach((nll, i) => {
        const got = mixed[v * examples.length + i];
        expect(got.length).toBe(nll.length);
        got.forEach((x, t) => expect(Math.abs(x - nll[t])).toBeLessThan(1e-5));
      });
    }
  });

  it("a module delta: stacked product and per-group slices both give each row its own variant's delta", () => {
    const hooks = variants.flatMap((v) => [v.hook, v.hook]); // 2 items per variant
    const path = 'model.layers.1.self_attn.q_proj';
    const seq = 3;
    const x = tf.randomNormal([hooks.length * seq, 32], 0, 1, 'float32', 5) as tf.Tensor2D; // [items·seq, in]
    const stacked = new MultiplexHook(hooks);
    const sliced = new MultiplexHook(hooks, { stacked: false });
    const a = stacked.delta(path, x)!.arraySync();
    const b = sliced.delta(path, x)!.arraySync();
    hooks.forEach((hook, item) => {
      const rows = x.slice([item * seq, 0], [seq, 32]) as tf.Tensor2D;
      const own = hook?.delta(path, rows)?.arraySync() ?? Array.from({ length: seq }, () => new Array(32).fill(0));
      for (let r = 0; r < seq; r++) {
        for (let c = 0; c < 32; c++) {
          expect(Math.abs(a[item * seq + r][c] - own[r][c])).toBeLessThan(1e-5);
          expect(b[item * seq + r][c]).toBe(own[r][c]); // the sliced path runs the variant's own ops
        }
      }
    });
    stacked.dispose();
  });
});
