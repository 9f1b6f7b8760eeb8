/**
 * Pretrains the built-in demo model with the project's own engine (full-parameter mode): `DecoderModel` over
 * trainable f32 variables, the causal-LM loss, gradient clipping, AdamW and the cosine schedule from src/train,
 * on the wasm backend in Node. Resumable: a checkpoint every `--checkpoint-every` steps; rerun with the same
 * `--ckpt` to continue. At the end `export-demo.ts` writes the shipped files.
 *
 *   npx tsx scripts/demo-model/pretrain.ts [--steps 5000] [--tokens-per-step 512] [--short-seq 128]
 *     [--long-from 0.9] [--lr 3e-3] [--warmup 50] [--ckpt DIR] [--seed 7]
 *
 * The defaults are the shipped run's settings. Windows are `--short-seq` tokens for the first 90% of steps and the
 * full context (256) after, so every RoPE position is trained while most steps pay for the cheaper short attention.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { flag, parseFlags } from '../../src/cli/command';
import { parseModelConfig } from '../../src/model/config';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { loadTokenizer } from '../../src/tokenizer/load';
import type { TextTokenizer } from '../../src/tokenizer/types';
import { AdamW } from '../../src/train/adamw';
import { makeBatch } from '../../src/train/batch';
import { computeStepGradients, evaluate } from '../../src/train/grad-step';
import type { TrainObjective } from '../../src/train/objective';
import { learningRate, type ScheduleConfig } from '../../src/train/schedule';
import { Rng } from '../../src/util/rng';
import { pretrainingCorpus } from '../datasets/corpus';
import { DEMO_SHAPE, demoConfigJson } from './demo-config';
import { fusedFullObjective } from './fused-objective';
import { greedyContinue } from './greedy';
import { loadCheckpoint, saveCheckpoint, type PretrainState } from './pretrain-checkpoint';
import { encodeStream, evalWindows, randomWindows } from './token-stream';
import { assignVariables, createTrainableModel, type TrainableModel } from './trainable-model';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { DEMO_DIR } from './train-bpe';

export interface PretrainArgs {
  steps: number;
  /** Tokens per optimizer step; the batch is this divided by the current window length. */
  tokensPerStep: number;
  /** Window length of the first `longFrom` share of steps (attention is cheaper on short windows). */
  shortSeq: number;
  longFrom: number;
  lr: number;
  warmup: number;
  seed: number;
  ckpt: string;
  checkpointEvery: number;
  evalEvery: number;
  logEvery: number;
  /** Step at which the LR schedule (warmup + cosine) restarts, for a resumed run with a new rate. */
  scheduleStart: number;
}

function parseArgs(argv: string[]): PretrainArgs {
  const { flags } = parseFlags(argv);
  const n = (name: string, d: number): number => Number(flag(flags, name, String(d)));
  return {
    steps: n('steps', 5000),
    tokensPerStep: n('tokens-per-step', 512),
    shortSeq: n('short-seq', 128),
    longFrom: n('long-from', 0.9),
    lr: n('lr', 3e-3),
    warmup: n('warmup', 50),
    seed: n('seed', 7),
    ckpt: flag(flags, 'ckpt', path.join(os.tmpdir(), 'lorastudio-demo-pretrain'))!,
    checkpointEvery: n('checkpoint-every', 25),
    evalEvery: n('eval-every', 50),
    logEvery: n('log-every', 10),
    scheduleStart: n('schedule-start', 0),
  };
}

function log(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ t: new Date().toISOString(), ...obj }) + '\n');
}

interface Data {
  tok: TextTokenizer;
  train: Int32Array;
  heldOut: Int32Array;
}

async function loadData(): Promise<Data> {
  const tok = await loadTokenizer(folderFiles(DEMO_DIR));
  const corpus = pretrainingCorpus();
  return { tok, train: encodeStream(tok, corpus.train), heldOut: encodeStream(tok, corpus.heldOut) };
}

function resume(args: PretrainArgs, m: TrainableModel, adam: AdamW, rng: Rng): PretrainState {
  const cp = loadCheckpoint(args.ckpt);
  if (!cp) return { step: 0, rngState: rng.getState(), elapsedMs: 0, tokensSeen: 0, history: [] };
  const pick = (prefix: string): Record<string, Float32Array> =>
    Object.fromEntries([...m.variables.keys()].map((k) => [k, cp.tensors.get(`${prefix}/${k}`)!]));
  assignVariables(m.variables, pick('param'));
  adam.setState({ step: cp.adamStep, m: pick('m'), v: pick('v') });
  rng.setState(cp.state.rngState);
  log({ resumed: cp.state.step, from: args.ckpt });
  return { ...cp.state, tokensSeen: cp.state.tokensSeen ?? cp.state.step * 1024 };
}

async function trainLoop(args: PretrainArgs, m: TrainableModel, data: Data): Promise<PretrainState> {
  const { context } = DEMO_SHAPE;
  const objective: TrainObjective = fusedFullObjective(m.model, m.variables);
  const adam = new AdamW(m.variables, { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01 });
  const rng = new Rng(args.seed + 1);
  const state = resume(args, m, adam, rng);
  const schedule: ScheduleConfig = {
    kind: 'cosine',
    lr: args.lr,
    warmupSteps: args.warmup,
    totalSteps: args.steps - args.scheduleStart,
  };
  const evalBatches = chunk(evalWindows(data.heldOut, context, 16 * context), 4).map((ex) =>
    makeBatch(ex, { maxSeqLen: context, bucket: 1 }),
  );
  const started = Date.now() - state.elapsedMs;
  let windowStart = Date.now();
  let windowTokens = 0;
  while (state.step < args.steps) {
    const seq = state.step < args.longFrom * args.steps ? args.shortSeq : context;
    const rows = Math.max(1, Math.round(args.tokensPerStep / seq));
    const batch = makeBatch(randomWindows(data.train, seq, rows, rng), { maxSeqLen: seq, bucket: 1 });
    const lr = learningRate(schedule, state.step - args.scheduleStart);
    const g = await computeStepGradients(objective, [batch], 1.0);
    adam.apply(g.grads, lr);
    for (const t of g.grads.values()) t.dispose();
    state.step++;
    windowTokens += batch.tokens;
    state.tokensSeen = (state.tokensSeen ?? 0) + batch.tokens;
    state.elapsedMs = Date.now() - started;
    const entry: PretrainState['history'][number] = { step: state.step, loss: g.loss, lr, elapsedMs: state.elapsedMs };
    if (state.step % args.evalEvery === 0 || state.step === args.steps)
      entry.evalLoss = await evaluate(objective, evalBatches);
    if (state.step % args.logEvery === 0 || entry.evalLoss !== undefined) {
      const tps = (windowTokens / (Date.now() - windowStart)) * 1000;
      log({
        ...entry,
        seq,
        gradNorm: +g.gradNorm.toFixed(3),
        tokPerSec: Math.round(tps),
        tensors: tf.memory().numTensors,
      });
      state.history.push(entry);
      windowStart = Date.now();
      windowTokens = 0;
    }
    if (state.step % args.checkpointEvery === 0 || state.step === args.steps) {
      state.rngState = rng.getState();
      await saveCheckpoint(args.ckpt, m.variables, adam, state);
    }
  }
  adam.dispose();
  return state;
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await initNodeBackend('wasm');
  registerWasmTrainingKernels();
  const data = await loadData();
  log({ backend, trainTokens: data.train.length, heldOutTokens: data.heldOut.length, args });
  const config = parseModelConfig(demoConfigJson(DEMO_SHAPE));
  const m = createTrainableModel(config, args.seed);
  log({ parameters: m.model.parameterCount() });
  const state = await trainLoop(args, m, data);
  for (const prompt of ['The whale', 'Fellow-Citizens of the Senate', 'It was a']) {
    log({ prompt, greedy: await greedyContinue(m.model, data.tok, prompt, 40) });
  }
  log({ done: state.step, elapsedMs: state.elapsedMs, checkpoint: args.ckpt });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    process.stderr.write(`${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
