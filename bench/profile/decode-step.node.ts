/**
 * Where one decode step's time goes on wasm (Node): the bench's `small` model (or `--model NAME`) with an int4 and
 * an f32 base, a KV cache holding `ctx − 1` tokens, one new token. Prints the median wall time of a cached step
 * (forward + LM head on the last row + one read-back, as `generate` does), of an uncached step (the whole context
 * re-run), their ratio, and a `tf.profile` of one cached step: kernel count and time per kernel name.
 * Run: `nice -n 19 npx tsx bench/profile/decode-step.node.ts [--model small] [--ctx 256] [--backend wasm|cpu]`.
 */
import { initNodeBackend, type NodeBackendName } from '../../src/backend/node';
import { tf, type Tensor2D, type Tensor3D } from '../../src/backend/tf';
import type { DecoderModel, QuantMode } from '../../src/model';
import type { KVCache } from '../../src/model/kv-cache';
import { createLinearFactory } from '../../src/quant';
import { profileStep } from '../core/profile';
import { randomIds } from '../core/random';
import type { BenchModelName } from '../core/types';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** One greedy step: `ids` through the model (with `cache` when given), LM head on the last row, id read back. */
async function step(model: DecoderModel, ids: number[], cache: KVCache | null): Promise<number> {
  const next = tf.tidy(() => {
    const input = tf.tensor2d(Int32Array.from(ids), [1, ids.length], 'int32') as Tensor2D; // [1, seq]
    const h = model.hiddenStates(input, { cache }); // [1, seq, hidden]
    const last = h.slice([0, ids.length - 1, 0], [1, 1, -1]) as Tensor3D; // [1, 1, hidden]
    return model.logits(last).reshape([-1]).argMax(); // scalar
  });
  const id = (await next.data())[0];
  next.dispose();
  return id;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeSteps(runs: number, body: () => Promise<void>): Promise<number> {
  await body();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await body();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function profileMode(name: BenchModelName, mode: QuantMode, ctx: number): Promise<void> {
  const c = benchModelConfig(name);
  const model = buildModel(c, randomWeights(c), createLinearFactory(mode));
  const prompt = Array.from(randomIds(ctx - 1, c.vocab, ctx));
  const steps = 24;
  const cache = model.createCache(1, ctx + steps + 8);
  let id = await step(model, prompt, cache); // prefill: cache holds ctx − 1 tokens
  const before = tf.memory().numTensors;
  const cachedMs = await timeSteps(steps, async () => void (id = await step(model, [id], cache)));
  const leaked = tf.memory().numTensors - before;
  const uncachedMs = await timeSteps(3, async () => void (await step(model, [...prompt, id], null)));
  const prof = await profileStep(async () => void (await step(model, [id], cache)));
  cache.dispose();
  model.dispose();
  console.log(`\n${name} ${mode} ctx ${ctx}: cached step ${cachedMs.toFixed(2)} ms, uncached ${uncachedMs.toFixed(1)} ms, ` +
    `speed-up ${(uncachedMs / cachedMs).toFixed(1)}×, tensors leaked per step ${(leaked / (steps + 1)).toFixed(1)}`);
  if (!prof) return;
  console.log(`  profiled step: wall ${prof.wallMs.toFixed(2)} ms, ${prof.kernels} kernels, kernel time ${prof.kernelMs.toFixed(2)} ms`);
  for (const [k, ms] of prof.byKernel.slice(0, 14)) console.log(`    ${k.padEnd(28)} ${ms.toFixed(3)} ms`);
}

async function main(): Promise<void> {
  const backend = await initNodeBackend(arg('backend', 'wasm') as NodeBackendName);
  const name = arg('model', 'small') as BenchModelName;
  const ctx = Number(arg('ctx', '256'));
  console.log(`backend ${backend}`);
  for (const mode of arg('modes', 'int4,f32').split(',') as QuantMode[]) await profileMode(name, mode, ctx);
}

void main();
