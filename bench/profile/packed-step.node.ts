/**
 * The packed base's LoRA step on wasm (Node, 1 thread) against the f32 base's, with our SIMD decode of W
 * (`wasmGemmSettings`, src/quant/kernels/wasm/wasm-gemm-host.ts) on ('new') and off ('old': the JS decode and
 * XNNPACK packing the decoded block in the input gradient), interleaved step by step: per round f32, new, old for
 * one packed mode, so the machine's load hits all three alike. The `peers` suite's step (`loraStepper`).
 * Prints and writes (with `--out X.json`, and X.md) tokens/s min/median/max per arm, new ÷ f32 and new ÷ old, and
 * the load average.
 * Run: `nice -n 5 npx tsx bench/profile/packed-step.node.ts --model small --seq 256 [--modes int4,int8,nf4]
 * [--rounds 5] [--out bench/results/x.json]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import { initNodeBackend } from '../../src/backend/node';
import type { QuantMode } from '../../src/model';
import { createLinearFactory } from '../../src/model/linear-factory';
import { wasmGemmSettings } from '../../src/quant/kernels/wasm/wasm-gemm-host';
import type { BenchModelName } from '../core/types';
import { ratioOf, summarizeRate, type Summary } from '../core/stats';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';
import { loraStepper } from '../suites/train';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

type Stepper = ReturnType<typeof loraStepper>;

async function timed(stepper: Stepper, gemm: boolean): Promise<number> {
  wasmGemmSettings.enabled = gemm;
  const t0 = performance.now();
  await stepper.step();
  const ms = performance.now() - t0;
  wasmGemmSettings.enabled = true;
  return ms;
}

const fmt = (s: Summary, d: number) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;

async function main(): Promise<void> {
  await initNodeBackend('wasm');
  const name = arg('model', 'small') as BenchModelName;
  const seq = Number(arg('seq', '256'));
  const rounds = Number(arg('rounds', '5'));
  const c = benchModelConfig(name);
  const w = randomWeights(c);
  const f32Model = buildModel(c, w, createLinearFactory('f32'));
  const f32 = loraStepper(f32Model, 1, seq);
  const results = [];
  for (const mode of arg('modes', 'int4,int8,nf4').split(',') as QuantMode[]) {
    const model = buildModel(c, w, createLinearFactory(mode));
    const packed = loraStepper(model, 1, seq);
    const load = os.loadavg()[0];
    const ms = { f32: [] as number[], new: [] as number[], old: [] as number[] };
    // Warm-up (XNNPACK operators, first allocations), then timed rounds.
    await timed(f32, true);
    await timed(packed, true);
    await timed(packed, false);
    for (let r = 0; r < rounds; r++) {
      ms.f32.push(await timed(f32, true));
      ms.new.push(await timed(packed, true));
      ms.old.push(await timed(packed, false));
    }
    const tps = {
      f32: summarizeRate(ms.f32, seq),
      new: summarizeRate(ms.new, seq),
      old: summarizeRate(ms.old, seq),
    };
    const row = {
      model: name,
      seq,
      mode,
      loadBefore: load,
      loadAfter: os.loadavg()[0],
      ms,
      tokensPerS: tps,
      newOverF32: ratioOf(tps.new, tps.f32),
      newOverOld: ratioOf(tps.new, tps.old),
    };
    results.push(row);
    console.log(
      `${name} seq ${seq} ${mode}: tok/s f32 ${fmt(tps.f32, 1)}, ${mode} new ${fmt(tps.new, 1)}, old ${fmt(tps.old, 1)};` +
        ` new/f32 ${fmt(row.newOverF32, 2)}, new/old ${fmt(row.newOverOld, 2)} (load ${load.toFixed(1)}→${row.loadAfter.toFixed(1)})`,
    );
    packed.dispose();
    model.dispose();
  }
  f32.dispose();
  f32Model.dispose();
  const out = arg('out', '');
  if (!out) return;
  const when = new Date().toISOString();
  fs.writeFileSync(out, JSON.stringify({ when, node: process.version, results }, null, 2) + '\n');
  const md = [
    `## Packed-base LoRA step, SIMD decode on (new) / off (old), interleaved with the f32 base — ${when}`,
    '',
    `wasm SIMD, 1 thread, Node ${process.version}, ${os.cpus().length} logical cores (shared); ${rounds} rounds after 1 warm-up;` +
      ' tokens/s median (min–max).',
    '',
    '| model, seq | mode | f32 base | packed new | packed old | new ÷ f32 | new ÷ old | load avg |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.model}, ${r.seq} | ${r.mode} | ${fmt(r.tokensPerS.f32, 1)} | ${fmt(r.tokensPerS.new, 1)} | ` +
        `${fmt(r.tokensPerS.old, 1)} | ${fmt(r.newOverF32, 2)} | ${fmt(r.newOverOld, 2)} | ` +
        `${r.loadBefore.toFixed(1)}→${r.loadAfter.toFixed(1)} |`,
    ),
    '',
  ];
  fs.writeFileSync(out.replace(/\.json$/, '') + '.md', md.join('\n'));
}

void main();
