/**
 * Multiplexed batches on tfjs's WebGPU backend (Dawn + SwiftShader in Node): a base row and an adapter row in one
 * batch (stacked-LoRA product) give the greedy tokens each gives alone. Kept tiny: SwiftShader compiles a pipeline
 * for every new shape (each ~5–10 s here), and the KV cache grows a shape per step.
 */
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadAdapterStack, type LoadedAdapters } from '../lora/adapter-folders.node.js';
import { specsOf } from '../lora/config';
import type { DecoderModel } from '../model/llama';
import { folderFiles } from '../model/folder-files.node.js';
import { loadModel } from '../model/load';
import { modelFixtureDir, REPO_ROOT } from '../test-utils/model-fixtures.node.js';
import { initNodeWebGpu } from '../test-utils/webgpu.node.js';
import { loadTokenizer } from '../tokenizer/load';
import type { TextTokenizer } from '../tokenizer/types';
import { generateGrid } from './batched-generate';

let model: DecoderModel;
let tokenizer: TextTokenizer;
let adapters: LoadedAdapters;

beforeAll(async () => {
  expect(await initNodeWebGpu()).toBe(true);
  const files = folderFiles(modelFixtureDir('llama-tied'));
  model = await loadModel(files);
  tokenizer = await loadTokenizer(files);
  adapters = await loadAdapterStack(
    [{ dir: path.join(REPO_ROOT, 'fixtures/eval/adapter-a'), weight: 1 }],
    specsOf(model.linears()),
  );
});

afterAll(() => {
  adapters?.dispose();
  model?.dispose();
});

it('base and adapter rows in one WebGPU batch give the greedy tokens of each alone', async () => {
  const variants = [
    { name: 'base', hook: null },
    { name: 'a', hook: adapters.stack },
  ];
  const prompts = [tokenizer.encode('Two plus two is')];
  const settings = { maxNewTokens: 3, seed: 0 };
  const batched = await generateGrid(model, tokenizer, prompts, variants, settings);
  const alone = await generateGrid(model, tokenizer, prompts, variants, { ...settings, batched: false });
  expect(batched.map((r) => r[0].ids)).toEqual(alone.map((r) => r[0].ids));
  expect(batched[0][0].ids).not.toEqual(batched[1][0].ids);
}, 240_000);
