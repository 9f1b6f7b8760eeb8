/**
 * Writes the shipped demo model from the last pretraining checkpoint: config.json, model.safetensors (F32),
 * generation_config.json, eval.json and the model card. The held-out perplexity and the greedy samples are
 * computed by loading the written folder back through the engine's own loader (`loadModel`), so the card
 * describes exactly the files in the repo.
 *
 *   npx tsx scripts/demo-model/export-demo.ts [--ckpt DIR] [--heldout-tokens N]
 */
import { statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { flag, parseFlags } from '../../src/cli/command';
import { parseModelConfig } from '../../src/model/config';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { loadModel } from '../../src/model/load';
import { loadTokenizer } from '../../src/tokenizer/load';
import { pretrainingCorpus } from '../datasets/corpus';
import { DEMO_SHAPE, demoConfigJson, GENERATION_CONFIG } from './demo-config';
import { generate } from '../../src/generate/generate';
import { greedyContinue } from './greedy';
import { heldOutPerplexity, TEST_SLICE_TOKENS } from './perplexity';
import { loadCheckpoint } from './pretrain-checkpoint';
import { encodeStream } from './token-stream';
import { assignVariables, createTrainableModel, saveSafetensors } from './trainable-model';
import { DEMO_DIR } from './train-bpe';
import { writeModelCard, type CardFacts } from './model-card';

/** How the shipped run was batched and scheduled: `pretrain.ts`'s defaults, so a bare rerun reproduces it. */
const BATCHING =
  '512 tokens per step: 4 × 128-token windows for the first 90% of steps, then 2 × 256-token ' +
  'windows so every position up to the context is trained. LR warmup 50 steps to 3e-3, then cosine to 0. The tied ' +
  'embedding trains as both the input table and the output head (fused-objective.ts).';

const HELD_OUT_EVERY = 3;

export const PROMPTS = [
  'The whale',
  'Fellow-Citizens of the Senate and House of Representatives:',
  'It was a dark',
  'The ship',
];

async function main(): Promise<void> {
  const { flags } = parseFlags(process.argv.slice(2));
  const ckptDir = flag(flags, 'ckpt', path.join(os.tmpdir(), 'lorastudio-demo-pretrain'))!;
  await initNodeBackend('wasm');
  const cp = loadCheckpoint(ckptDir);
  if (!cp) throw new Error(`no checkpoint in ${ckptDir}`);
  const configJson = demoConfigJson(DEMO_SHAPE);
  const trainable = createTrainableModel(parseModelConfig(configJson), 0);
  assignVariables(
    trainable.variables,
    Object.fromEntries([...trainable.variables.keys()].map((k) => [k, cp.tensors.get(`param/${k}`)!])),
  );
  const weights = await saveSafetensors(trainable.variables, 'F32', { format: 'pt' });
  trainable.model.dispose();
  writeFileSync(path.join(DEMO_DIR, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
  writeFileSync(path.join(DEMO_DIR, 'generation_config.json'), JSON.stringify(GENERATION_CONFIG, null, 2) + '\n');
  writeFileSync(path.join(DEMO_DIR, 'model.safetensors'), weights);

  // Everything below reads the written files back through the engine.
  const files = folderFiles(DEMO_DIR);
  const model = await loadModel(files);
  const tok = await loadTokenizer(files);
  const heldOut = encodeStream(tok, pretrainingCorpus().heldOut);
  // Every HELD_OUT_EVERY-th window: a sample spread over all held-out chapters and addresses, in minutes on a shared
  // CPU. --heldout-tokens only shortens a pipeline check.
  const full = await heldOutPerplexity(
    model,
    heldOut,
    DEMO_SHAPE.context,
    Number(flag(flags, 'heldout-tokens', String(heldOut.length))),
    HELD_OUT_EVERY,
  );
  const slice = await heldOutPerplexity(model, heldOut, DEMO_SHAPE.context, TEST_SLICE_TOKENS);
  const samples: CardFacts['samples'] = [];
  for (const prompt of PROMPTS) {
    samples.push({
      prompt,
      greedy: await greedyContinue(model, tok, prompt, 48),
      // What the Generate tab gives: repetition penalty 1.3 keeps greedy decoding out of loops; then the sampling
      // defaults of generation_config.json with a fixed seed.
      penalized: (await generate(model, tok, { prompt, maxNewTokens: 48, temperature: 0, repetitionPenalty: 1.3 }))
        .text,
      sampled: (
        await generate(model, tok, {
          prompt,
          maxNewTokens: 48,
          temperature: GENERATION_CONFIG.temperature,
          topP: GENERATION_CONFIG.top_p,
          seed: 0,
        })
      ).text,
    });
  }
  const history = cp.state.history;
  const lastTrain = history.slice(-5);
  const facts: CardFacts = {
    parameters: model.parameterCount(),
    steps: cp.state.step,
    trainTokens: encodeStream(tok, pretrainingCorpus().train).length,
    tokensSeen: cp.state.tokensSeen ?? cp.state.step * 1024,
    finalLoss: lastTrain.reduce((s, h) => s + h.loss, 0) / Math.max(1, lastTrain.length),
    heldOut: full,
    testSlice: slice,
    elapsedMs: cp.state.elapsedMs,
    weightsBytes: statSync(path.join(DEMO_DIR, 'model.safetensors')).size,
    samples,
    history,
    batching: BATCHING,
  };
  writeFileSync(
    path.join(DEMO_DIR, 'eval.json'),
    JSON.stringify(
      {
        heldOutPerplexity: full.perplexity,
        heldOutTokens: full.tokens,
        heldOutWindowEvery: HELD_OUT_EVERY,
        testSlicePerplexity: slice.perplexity,
        testSliceTokens: slice.tokens,
        finalTrainLoss: facts.finalLoss,
        steps: facts.steps,
        samples,
      },
      null,
      2,
    ) + '\n',
  );
  writeModelCard(path.join(DEMO_DIR, 'README.md'), facts);
  writeBuiltInIndex(facts, full.perplexity);
  model.dispose();
  process.stdout.write(JSON.stringify({ heldOut: full, slice, samples, backend: tf.getBackend() }, null, 1) + '\n');
}

/** public/models/index.json: the built-in models the studio offers without a download. */
function writeBuiltInIndex(f: CardFacts, perplexity: number): void {
  const dir = path.basename(DEMO_DIR);
  const files = [
    'config.json',
    'generation_config.json',
    'model.safetensors',
    'tokenizer.json',
    'tokenizer_config.json',
  ];
  const entry = {
    id: dir,
    name: 'LoRA Studio demo (Llama, 4M)',
    path: `models/${dir}/`,
    files,
    description:
      `A ${(f.parameters / 1e6).toFixed(1)}M-parameter Llama pretrained here on Moby-Dick and State of the Union ` +
      `addresses; built in, no download. Held-out perplexity ${perplexity.toFixed(1)}.`,
    parameters: f.parameters,
    bytes: files.reduce((s, n) => s + statSync(path.join(DEMO_DIR, n)).size, 0),
    license: 'cc0-1.0',
  };
  writeFileSync(
    path.join(DEMO_DIR, '..', 'index.json'),
    JSON.stringify({ version: 1, models: [entry] }, null, 2) + '\n',
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
