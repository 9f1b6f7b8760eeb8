/**
 * Where one LoRA train step's time goes on wasm (Node, 1 thread): the bench model `--model` (default
 * smollm2-135m) with an f32 and an int4 base, `--seq` tokens (default 64), the `peers` suite's step
 * (`loraStepper`). Prints the step's wall time and `tf.profile`'s kernel times per kernel name (BatchMatMul split
 * by operand shapes, the products that cost what). Kernel times nest ('unnamed scope' and the packed kernels are
 * timed around the kernels they run), so the lines overlap.
 * Run: `nice -n 19 npx tsx bench/profile/train-step.node.ts [--model smollm2-135m] [--seq 64] [--modes f32,int4] [--relaxed-simd]`.
 */
import { initNodeBackend } from '../../src/backend/node';
import type { QuantMode } from '../../src/model';
import { createLinearFactory } from '../../src/model/linear-factory';
import type { BenchModelName } from '../core/types';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';
import { loraStepper } from '../suites/train';
import { enableRelaxedSimd } from '../../src/quant/kernels/wasm/relaxed-simd.node.js';
import { kernelTable, printKernelTable } from './kernel-table';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  // Our kernels' relaxed-SIMD build, as Chromium and the `peers` bench run them (Node 20 has it behind a flag)
  if (process.argv.includes('--relaxed-simd') && !enableRelaxedSimd()) throw new Error('no relaxed SIMD here');
  await initNodeBackend('wasm');
  const name = arg('model', 'smollm2-135m') as BenchModelName;
  const seq = Number(arg('seq', '64'));
  const c = benchModelConfig(name);
  const w = randomWeights(c);
  for (const mode of arg('modes', 'f32,int4').split(',') as QuantMode[]) {
    const model = buildModel(c, w, createLinearFactory(mode));
    const stepper = loraStepper(model, 1, seq);
    await stepper.step(); // warm-up: XNNPACK packing, first allocations
    const t0 = performance.now();
    await stepper.step();
    const wallMs = performance.now() - t0;
    const { kernels, rows } = await kernelTable(() => stepper.step());
    console.log(`\n${name} ${mode} seq ${seq}: step ${wallMs.toFixed(0)} ms, ${kernels} kernels profiled`);
    printKernelTable(rows, 24);
    stepper.dispose();
    model.dispose();
  }
}

void main();
