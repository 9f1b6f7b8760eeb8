/**
 * Where one LoRA train step's time goes on wasm (Node, 1 thread): the bench model `--model` (default
 * smollm2-135m) with an f32 and an int4 base, `--seq` tokens (default 64), the `peers` suite's step
 * (`loraStepper`). Prints the step's wall time and `tf.profile`'s kernel times per kernel name (BatchMatMul split
 * by operand shapes, the products that cost what). Kernel times nest ('unnamed scope' and the packed kernels are
 * timed around the kernels they run), so the lines overlap.
 * Run: `nice -n 19 npx tsx bench/profile/train-step.node.ts [--model smollm2-135m] [--seq 64] [--modes f32,int4]`.
 */
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import type { QuantMode } from '../../src/model';
import { createLinearFactory } from '../../src/model/linear-factory';
import type { BenchModelName } from '../core/types';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';
import { loraStepper } from '../suites/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const label = (k: { name: string; inputShapes: number[][] }): string =>
  k.name === 'BatchMatMul' || k.name === '_FusedMatMul'
    ? `${k.name} ${k.inputShapes.map((s) => `[${s.join(',')}]`).join('·')}`
    : k.name;

async function main(): Promise<void> {
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
    const info = await tf.profile(() => stepper.step());
    const sums = new Map<string, { calls: number; ms: number }>();
    for (const k of info.kernels) {
      const e = sums.get(label(k)) ?? { calls: 0, ms: 0 };
      sums.set(label(k), { calls: e.calls + 1, ms: e.ms + Number(await k.kernelTimeMs) });
    }
    console.log(`\n${name} ${mode} seq ${seq}: step ${wallMs.toFixed(0)} ms, ${info.kernels.length} kernels profiled`);
    for (const [k, v] of [...sums].sort((a, b) => b[1].ms - a[1].ms).slice(0, 24))
      console.log(`  ${k.padEnd(64)} ${String(v.calls).padStart(5)} calls ${v.ms.toFixed(1).padStart(8)} ms`);
    stepper.dispose();
    model.dispose();
  }
}

void main();
