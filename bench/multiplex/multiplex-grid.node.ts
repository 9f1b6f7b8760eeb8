/**
 * Multiplexed generation (issue 17): a Predict grid of 4 variants (the base + 3 LoRA adapters, r = 8, all-linear,
 * random non-zero B) × 8 prompts, 32 greedy tokens, on the demo model. Three ways:
 *   multiplexed   — all 32 rows in one batch, each row's LoRA delta from its own adapter (generateGrid);
 *   per-variant   — one batch of 8 prompts per variant, 4 batches one after the other;
 *   one-at-a-time — every cell alone (`generate`, what `eval --no-batch` does).
 * Checks the grids are identical token for token, then prints ms (fastest of N runs: the least disturbed on a shared
 * machine) and the speed-ups. Run: `nice -n 10 npx tsx bench/multiplex/multiplex-grid.node.ts [--backend wasm|cpu]
 * [--runs N]`.
 */
import path from 'node:path';
import { initNodeBackend, type NodeBackendName } from '../../src/backend/node';
import { generateGrid, type GridCell } from '../../src/eval/batched-generate';
import type { EvalVariant } from '../../src/eval/evaluate';
import { AdapterStack } from '../../src/lora/adapter-stack';
import { specsOf } from '../../src/lora/config';
import { DEFAULT_LORA_CONFIG } from '../../src/spec/lora-config';
import { LoraAdapter } from '../../src/lora/lora-adapter';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { loadModel } from '../../src/model/load';
import { loadTokenizer } from '../../src/tokenizer/load';
import { Rng } from '../../src/util/rng';

const PROMPTS = [
  'Call me Ishmael.',
  'The whale',
  'Mr. Speaker, the state of the Union',
  'It was a dark night at sea and',
  'Our economy',
  'The captain said',
  'We the people',
  'Whenever I find myself growing grim',
];

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function randomAdapter(linears: ReturnType<typeof specsOf>, seed: number): Promise<LoraAdapter> {
  const rng = new Rng(seed);
  const adapter = LoraAdapter.create({ ...DEFAULT_LORA_CONFIG, dropout: 0 }, linears, rng);
  const weights = await adapter.weights();
  for (const w of weights.values()) for (let i = 0; i < w.loraB.length; i++) w.loraB[i] = rng.normal(0, 0.02);
  adapter.setWeights(weights);
  return adapter;
}

async function fastest(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: XNNPACK packing, RoPE tables
  let best = Infinity;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

async function main(): Promise<void> {
  const backend = arg('backend', 'wasm') as NodeBackendName;
  const runs = Number(arg('runs', '3'));
  await initNodeBackend(backend);
  const files = folderFiles(path.resolve('public/models/lorastudio-demo'));
  const model = await loadModel(files);
  const tokenizer = await loadTokenizer(files);
  const linears = specsOf(model.linears());
  const adapters = await Promise.all([1, 2, 3].map((s) => randomAdapter(linears, s)));
  const variants: EvalVariant[] = [{ name: 'base', hook: null }];
  adapters.forEach((a, i) => {
    const stack = new AdapterStack();
    stack.set(`a${i}`, a, 1);
    variants.push({ name: `adapter-${i + 1}`, hook: stack });
  });
  const prompts = PROMPTS.map((p) => tokenizer.encode(p));
  const settings = { maxNewTokens: 32, seed: 0 };
  const ids = (g: GridCell[][]) => JSON.stringify(g.map((row) => row.map((c) => c.ids)));

  let multiplexed: GridCell[][] = [];
  let perVariant: GridCell[][] = [];
  let alone: GridCell[][] = [];
  const tMux = await fastest(
    runs,
    async () => (multiplexed = await generateGrid(model, tokenizer, prompts, variants, settings)),
  );
  const tVar = await fastest(runs, async () => {
    perVariant = [];
    for (const v of variants) perVariant.push((await generateGrid(model, tokenizer, prompts, [v], settings))[0]);
  });
  const tOne = await fastest(
    runs,
    async () => (alone = await generateGrid(model, tokenizer, prompts, variants, { ...settings, batched: false })),
  );
  const same = ids(multiplexed) === ids(alone) && ids(perVariant) === ids(alone);
  const tokens = alone.flat().reduce((n, c) => n + c.ids.length, 0);
  const line = (what: string, ms: number) =>
    `${what.padEnd(16)} ${ms.toFixed(0).padStart(7)} ms  ${((tokens / ms) * 1000).toFixed(0).padStart(5)} tok/s`;
  console.log(
    `backend ${backend}, demo model, 4 variants × 8 prompts, ≤ 32 greedy tokens (${tokens} generated), fastest of ${runs}`,
  );
  console.log(line('multiplexed', tMux));
  console.log(line('per-variant', tVar));
  console.log(line('one-at-a-time', tOne));
  console.log(
    `speed-up vs one-at-a-time ${(tOne / tMux).toFixed(2)}×, vs per-variant batches ${(tVar / tMux).toFixed(2)}×; grids identical: ${same}`,
  );
  adapters.forEach((a) => a.dispose());
  model.dispose();
  if (!same) process.exitCode = 1;
}

void main();
