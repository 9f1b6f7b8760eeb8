/**
 * Where one decode step's time goes on wasm (Node): the bench's `small` model (or `--model NAME`) with an int4 and
 * an f32 base, a KV cache holding `ctx − 1` tokens, one new token. Prints the median wall time of a cached step
 * (forward + LM head on the last row + one read-back, as `generate` does), of an uncached step (the whole context
 * re-run), their ratio, and a `tf.profile` of one cached step: kernel count and time per kernel name.
 * Run: `nice -n 19 npx tsx bench/profile/decode-step.node.ts [--model small] [--ctx 256] [--backend wasm|cpu]
 *   [--relaxed-simd]` (the relaxed-SIMD kernels Chromium runs) `[--no-decode-attention]` (the composite ops)
 *   `[--lora R]` (a rank-R all-linear adapter applied in every step).
 */
import { randomAdapter } from '../../src/export/export-fixtures.node.js';
import type { LoraAdapter } from '../../src/lora/lora-adapter';
import { asGeneration } from '../../src/backend/generation-scope';
import { initNodeBackend, type NodeBackendName } from '../../src/backend/node';
import { decodeAttentionSettings } from '../../src/backend/kernels/decode-attention-wasm';
import { enableRelaxedSimd } from '../../src/quant/kernels/wasm/relaxed-simd.node.js';
import { tf, type Tensor2D, type Tensor3D } from '../../src/backend/tf';
import type { DecoderModel, QuantMode } from '../../src/model';
import type { KVCache } from '../../src/model/kv-cache';
import { createLinearFactory } from '../../src/model/linear-factory';
import { randomIds } from '../core/random';
import type { BenchModelName } from '../core/types';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** One greedy step: `ids` through the model (with `cache` when given), LM head on the last row, id read back. */
async function step(model: DecoderModel, ids: number[], cache: KVCache | null): Promise<number> {
  const run = () => {
    const input = tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32') as Tensor2D; // [1, seq]
    const h = model.hiddenStates(input, { cache, hook: adapter }); // [1, seq, hidden]
    const last = h.slice([0, ids.length - 1, 0], [1, 1, -1]) as Tensor3D; // [1, 1, hidden]
    return model.logits(last).reshape([-1]).argMax(); // scalar
  };
  // As generate() does: a generation forward (int8/int4 GEMVs take x as 16-bit integers).
  const next = cache ? asGeneration(() => tf.tidy(run)) : tf.tidy(run);
  const id = (await next.data())[0];
  next.dispose();
  return id;
}

/** `--lora R`: a rank-R adapter on every projection (random B), applied in every step. */
let adapter: LoraAdapter | null = null;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fastest = (xs: number[]): number => Math.min(...xs);

async function timeSteps(runs: number, body: () => Promise<void>): Promise<{ median: number; fastest: number }> {
  await body();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await body();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), fastest: fastest(ms) };
}

async function profileMode(name: BenchModelName, mode: QuantMode, ctx: number): Promise<void> {
  const c = benchModelConfig(name);
  const model = buildModel(c, randomWeights(c), createLinearFactory(mode));
  const rank = Number(arg('lora', '0'));
  adapter?.dispose();
  adapter = rank ? await randomAdapter(model, 1, { rank, alpha: 2 * rank, targets: 'all-linear' }, 0.02) : null;
  const prompt = Array.from(randomIds(ctx - 1, c.vocab, ctx));
  const steps = 24;
  const cache = model.createCache(1, ctx + steps + 16);
  let id = await step(model, prompt, cache); // prefill: cache holds ctx − 1 tokens
  const before = tf.memory().numTensors;
  const cachedMs = await timeSteps(steps, async () => void (id = await step(model, [id], cache)));
  const leaked = tf.memory().numTensors - before;
  const uncachedMs = await timeSteps(3, async () => void (await step(model, [...prompt, id], null)));
  const prof = await profileSteps(8, async () => void (id = await step(model, [id], cache)));
  cache.dispose();
  model.dispose();
  const f = (t: { median: number; fastest: number }, d: number) =>
    `${t.median.toFixed(d)} ms (fastest ${t.fastest.toFixed(d)})`;
  console.log(
    `\n${name} ${mode} ctx ${ctx}: cached step ${f(cachedMs, 2)}, uncached ${f(uncachedMs, 1)}, ` +
      `speed-up ${(uncachedMs.median / cachedMs.median).toFixed(1)}× (fastest ÷ fastest ${(uncachedMs.fastest / cachedMs.fastest).toFixed(1)}×), ` +
      `tensors leaked per step ${(leaked / (steps + 1)).toFixed(1)}`,
  );
  console.log(
    `  profiled step (each kernel call: fastest of 8 steps): ${prof.kernels} kernels, ${prof.totalMs.toFixed(2)} ms outside custom-gradient scopes`,
  );
  for (const [k, v] of prof.byKernel.slice(0, Number(arg('top', '20'))))
    console.log(`    ${k.padEnd(44)} ${v.calls.toString().padStart(4)} calls ${v.ms.toFixed(3)} ms`);
}

/** Kernel name, with the operand shapes for matMuls (which product costs what). */
function label(k: { name: string; inputShapes: number[][] }): string {
  return k.name === 'BatchMatMul' ? `${k.name} ${k.inputShapes.map((s) => `[${s.join(',')}]`).join('·')}` : k.name;
}

/**
 * `tf.profile` of `runs` identical steps; each kernel call's time is the fastest of its `runs` occurrences (a
 * neighbour's burst on this shared machine lands on one run, not all), then summed per kernel name.
 */
async function profileSteps(
  runs: number,
  body: () => Promise<void>,
): Promise<{ kernels: number; totalMs: number; byKernel: [string, { calls: number; ms: number }][] }> {
  const perRun: { name: string; ms: number }[][] = [];
  for (let r = 0; r < runs; r++) {
    const info = await tf.profile(body);
    perRun.push(
      await Promise.all(info.kernels.map(async (k) => ({ name: label(k), ms: Number(await k.kernelTimeMs) }))),
    );
  }
  const calls = Math.min(...perRun.map((p) => p.length));
  const sums = new Map<string, { calls: number; ms: number }>();
  let totalMs = 0;
  for (let i = 0; i < calls; i++) {
    const name = perRun[0][i].name;
    const ms = Math.min(...perRun.map((p) => p[i].ms));
    const e = sums.get(name) ?? { calls: 0, ms: 0 };
    sums.set(name, { calls: e.calls + 1, ms: e.ms + ms });
    // 'unnamed scope' is a custom-gradient op timed around the kernels it runs: counted in them already.
    if (name !== 'unnamed scope') totalMs += ms;
  }
  return { kernels: calls, totalMs, byKernel: [...sums].sort((a, b) => b[1].ms - a[1].ms) };
}

async function main(): Promise<void> {
  if (process.argv.includes('--relaxed-simd') && !enableRelaxedSimd()) throw new Error('no relaxed SIMD');
  if (process.argv.includes('--no-decode-attention')) decodeAttentionSettings.enabled = false;
  const backend = await initNodeBackend(arg('backend', 'wasm') as NodeBackendName);
  const name = arg('model', 'small') as BenchModelName;
  const ctx = Number(arg('ctx', '256'));
  console.log(`backend ${backend}`);
  for (const mode of arg('modes', 'int4,f32').split(',') as QuantMode[]) await profileMode(name, mode, ctx);
}

void main();
