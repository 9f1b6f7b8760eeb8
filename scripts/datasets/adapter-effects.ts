/**
 * What a LoRA adapter trained on each sample dataset does to the demo model, measured rather than claimed: the
 * studio's "Quick" preset (rank 8 on every linear layer, 4 examples of at most 192 tokens per step, so the longest
 * sample JSON example, 185 tokens, is never cut; 60 steps for a style, 240 for a new format) per dataset, then the
 * held-out loss and a greedy continuation with the base alone and with the adapter; for the JSON datasets, how many
 * held-out prompts get an answer in the record's shape; for the two styles, a weight sweep of the pair in one
 * `AdapterStack` (the studio's mixer).
 * `report-effects.ts` turns the result into public/datasets/EFFECTS.md.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileDatasetInput } from '../../src/data/node-input.node.js';
import { prepareDataset } from '../../src/data/prepare';
import type { TokenizedExample } from '../../src/data/types';
import { generate } from '../../src/generate/generate';
import { PRESETS, quickLearningRate } from '../../src/spec/presets';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../../src/spec/lora-config';
import { AdapterStack } from '../../src/lora/adapter-stack';
import type { LoraAdapter } from '../../src/lora/lora-adapter';
import type { DecoderModel } from '../../src/model/llama';
import type { AdapterHook } from '../../src/model/linear';
import type { TextTokenizer } from '../../src/tokenizer/types';
import { MemoryCheckpointStore } from '../../src/train/checkpoint';
import { createLoraRun } from '../../src/train/lora-run';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../src/spec/train-config';

export const DATASETS_DIR = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../public/datasets');

/** The studio's Quick preset as the Train form applies it to the demo model (3.95M parameters). */
export const QUICK_LORA: LoraConfig = { ...DEFAULT_LORA_CONFIG, ...PRESETS.quick.lora };
export const QUICK_TRAIN: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  ...PRESETS.quick.train,
  lr: quickLearningRate(3.95e6),
  evalEvery: 0,
  checkpointEvery: 0,
};

export interface SampleData {
  id: string;
  train: TokenizedExample[];
  /** Held out from training (the first `evalCount` after the seeded split). */
  eval: TokenizedExample[];
}

/** Tokenizes a shipped dataset the way the studio does (completion-only loss, seeded split). */
export async function loadSample(id: string, tok: TextTokenizer, evalCount = 32, seed = 0): Promise<SampleData> {
  const index = JSON.parse(await readFile(path.join(DATASETS_DIR, 'index.json'), 'utf8')) as {
    datasets: Array<{ id: string; file: string }>;
  };
  const entry = index.datasets.find((d) => d.id === id);
  if (!entry) throw new Error(`no sample dataset '${id}'`);
  const input = await fileDatasetInput(path.join(DATASETS_DIR, entry.file));
  const prepared = await prepareDataset([input], tok, { maxSeqLen: QUICK_TRAIN.maxSeqLen, evalSplit: evalCount, seed });
  return { id, train: [...prepared.train], eval: [...prepared.eval] };
}

export interface TrainedAdapter {
  adapter: LoraAdapter;
  steps: number;
  seconds: number;
  firstLoss: number;
  lastLoss: number;
  dispose(): void;
}

/** Trains one adapter on `data.train` with the Quick preset (steps and other settings overridable). */
export async function trainQuick(
  model: DecoderModel,
  data: SampleData,
  steps = QUICK_TRAIN.steps!,
  overrides: Partial<TrainConfig> = {},
): Promise<TrainedAdapter> {
  const run = await createLoraRun({
    model,
    lora: QUICK_LORA,
    train: { ...QUICK_TRAIN, ...overrides, steps },
    data: { train: data.train },
    runId: data.id,
    store: new MemoryCheckpointStore(),
    resume: false,
  });
  const t0 = performance.now();
  const result = await run.trainer.run();
  const losses = result.metrics.map((m) => m.loss);
  if (result.status !== 'finished') throw new Error(`${data.id}: training ${result.status}: ${result.message ?? ''}`);
  const head = losses.slice(0, 5);
  const tail = losses.slice(-5);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    adapter: run.adapter,
    steps: result.step,
    seconds: (performance.now() - t0) / 1000,
    firstLoss: mean(head),
    lastLoss: mean(tail),
    dispose: () => run.dispose(),
  };
}

/** Mean negative log-likelihood (nats) over the loss tokens of `examples`, scored with `hook` (null = base). */
export async function heldOutLoss(
  model: DecoderModel,
  examples: readonly TokenizedExample[],
  hook: AdapterHook | null,
): Promise<number> {
  let sum = 0;
  let n = 0;
  for (const ex of examples) {
    const lp = await model.logProbs([...ex.ids], { hook });
    for (let t = 1; t < ex.ids.length; t++) {
      if (!ex.lossMask[t]) continue;
      sum -= lp[t]!;
      n++;
    }
  }
  return sum / n;
}

/** The ids before an example's first loss token: the prompt a user would type (BOS / chat header included). */
export function promptOf(ex: TokenizedExample): number[] {
  const first = ex.lossMask.findIndex((m) => m === 1);
  return [...ex.ids.slice(0, first < 0 ? ex.ids.length : first)];
}

/** Greedy continuation (the Generate tab at temperature 0). */
export async function greedyText(
  model: DecoderModel,
  tok: TextTokenizer,
  prompt: { text: string } | { ids: number[] },
  hook: AdapterHook | null,
  maxNewTokens = 48,
): Promise<string> {
  const request = 'text' in prompt ? { prompt: prompt.text } : { promptIds: prompt.ids };
  const r = await generate(model, tok, { ...request, maxNewTokens, temperature: 0, hook });
  return r.text;
}

/** The first `{…}` of `text` parsed as JSON, or null. */
export function firstJsonRecord(text: string): Record<string, unknown> | null {
  const start = text.indexOf('{');
  const end = text.indexOf('}', start);
  if (start < 0 || end < 0) return null;
  try {
    const v = JSON.parse(text.slice(start, end + 1)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export interface JsonScore {
  /** Completions that open with `{` and name the reference's keys, in order, as `"key":` (values may be wrong). */
  shaped: number;
  /** Completions that hold a parseable JSON object. */
  valid: number;
  /** …whose keys equal the reference completion's keys. */
  sameKeys: number;
  total: number;
  example: { prompt: string; reference: string; output: string };
}

/** Greedy completions of held-out prompts, checked against the reference record's shape. */
export async function jsonScore(
  model: DecoderModel,
  tok: TextTokenizer,
  examples: readonly TokenizedExample[],
  hook: AdapterHook | null,
  maxNewTokens = 96,
): Promise<JsonScore> {
  let shaped = 0;
  let valid = 0;
  let sameKeys = 0;
  let example: JsonScore['example'] | null = null;
  for (const ex of examples) {
    const prompt = promptOf(ex);
    const reference = tok.decode([...ex.ids.slice(prompt.length)], { skipSpecialTokens: true });
    const output = await greedyText(model, tok, { ids: prompt }, hook, maxNewTokens);
    const got = firstJsonRecord(output);
    const want = firstJsonRecord(reference);
    if (want && hasShape(output, Object.keys(want))) shaped++;
    if (got) valid++;
    if (got && want && Object.keys(got).join() === Object.keys(want).join()) sameKeys++;
    example ??= { prompt: tok.decode(prompt, { skipSpecialTokens: false }), reference, output };
  }
  return { shaped, valid, sameKeys, total: examples.length, example: example! };
}

/** True when `text` starts (after spaces) with `{` and contains `"k":` for every key, in order. */
export function hasShape(text: string, keys: readonly string[]): boolean {
  if (!text.trimStart().startsWith('{')) return false;
  let at = 0;
  for (const k of keys) {
    const i = text.indexOf(`"${k}":`, at);
    if (i < 0) return false;
    at = i + k.length + 3;
  }
  return true;
}

/** A stack holding `adapters` at `weights` (the studio's adapter mixer). */
export function mix(adapters: Record<string, LoraAdapter>, weights: Record<string, number>): AdapterStack {
  const stack = new AdapterStack();
  for (const [id, a] of Object.entries(adapters)) stack.set(id, a, weights[id] ?? 0);
  return stack;
}
