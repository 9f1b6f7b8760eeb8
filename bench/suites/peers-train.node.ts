/**
 * Suite `peers`, training half (Node only): one LoRA optimizer step of ours against PyTorch's on the same model
 * shapes, one thread each, interleaved step by step so both sides see the same machine load. Ours is the
 * product's path (`loraStepper`: loraObjective → computeStepGradients → AdamW) on tfjs-wasm over an f32 and an
 * int4 base; the peer is `bench/peers/torch_lora_step.py` (f32 base, torch 1.13 + the system BLAS) with the same
 * LoRA (all-linear, r 16, α 32, dropout 0.05, clipping at 1, AdamW). Reported: tokens/s of each side
 * (min/median/max), their ratio, and which BLAS the peer had mapped.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { ModelConfig, QuantMode } from '../../src/model';
import { createLinearFactory } from '../../src/model/linear-factory';
import { DEFAULT_LORA_CONFIG } from '../../src/spec/lora-config';
import { figure, rate, type SuiteContext } from '../core/context';
import { ratioOf } from '../core/stats';
import type { BenchModelName } from '../core/types';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';
import { TORCH_PYTHON, TorchPeer } from '../peers/torch-peer.node.js';
import { bestRatio } from './peers-decode-figures';
import { loraStepper, TRAIN_ALPHA, TRAIN_RANK, TRAIN_SEQ } from './train';

const MODES: readonly QuantMode[] = ['f32', 'int4'];

/** Shapes and sequence lengths: SmolLM2-135M's step is ~20× the small model's, so it runs a shorter sequence. */
function trainShapes(quick: boolean): Array<{ model: BenchModelName; seq: number; runs: number }> {
  return [
    { model: 'small', seq: TRAIN_SEQ, runs: quick ? 3 : 5 },
    { model: 'smollm2-135m', seq: quick ? 32 : 64, runs: quick ? 2 : 5 },
  ];
}

const load1 = (): string => os.loadavg()[0]!.toFixed(1);

/** Our step and the peer's, alternating; `runs` timed pairs after one warm-up pair. */
async function interleaved(
  ours: () => Promise<void>,
  peer: TorchPeer,
  runs: number,
): Promise<{ oursMs: number[]; peerMs: number[] }> {
  const oursMs: number[] = [];
  const peerMs: number[] = [];
  for (let r = 0; r <= runs; r++) {
    const t0 = performance.now();
    await ours();
    const ms = performance.now() - t0;
    const p = await peer.step();
    if (r === 0) continue;
    oursMs.push(ms);
    peerMs.push(p);
  }
  return { oursMs, peerMs };
}

async function measureShape(ctx: SuiteContext, name: BenchModelName, seq: number, runs: number): Promise<void> {
  const c: ModelConfig = benchModelConfig(name);
  const batch = 1;
  const peer = new TorchPeer({
    config: c,
    seq,
    batch,
    rank: TRAIN_RANK,
    alpha: TRAIN_ALPHA,
    dropout: DEFAULT_LORA_CONFIG.dropout,
  });
  try {
    const info = await peer.info();
    ctx.log(`peers/train ${name}: PyTorch ${info.torch}, ${info.threads} thread, BLAS mapped: ${info.blas}`);
    const libs = info.blas.split(', ').map((p) => p.split('/').slice(-2).join('/'));
    const blas = `PyTorch ${info.torch} (${info.threads} thread) on ${libs.filter((l) => !l.includes('lapack')).join(' + ')}`;
    const w = randomWeights(c);
    const tokens = batch * seq;
    for (const mode of MODES) {
      const model = buildModel(c, w, createLinearFactory(mode));
      const stepper = loraStepper(model, batch, seq);
      try {
        const before = load1();
        const { oursMs, peerMs } = await interleaved(() => stepper.step(), peer, runs);
        const note = `${name} shapes, batch ${batch}×${seq}, LoRA r${TRAIN_RANK} all-linear, 1 thread each; load average ${before} → ${load1()}; ${blas}`;
        const key = `peers/train/${name}/${mode}`;
        const oursRate = rate(oursMs, tokens);
        const peerRate = rate(peerMs, tokens);
        ctx.report(
          figure('peers', `${key}/ours`, `train step ours ${mode} base, ${name}`, 'tok/s', oursRate, true, note),
        );
        ctx.report(
          figure('peers', `${key}/pytorch`, `train step PyTorch f32 base, ${name}`, 'tok/s', peerRate, true, note),
        );
        ctx.report(
          figure(
            'peers',
            `${key}/ratio`,
            `train step ours ${mode} / PyTorch f32, ${name} (target ≥ 0.6×)`,
            '×',
            ratioOf(oursRate, peerRate),
            true,
          ),
        );
        ctx.report(
          bestRatio(`${key}/ratio-best`, `train step ${mode}, ${name}: best run ÷ best run`, oursRate, peerRate),
        );
      } finally {
        stepper.dispose();
        model.dispose();
      }
    }
  } finally {
    peer.close();
  }
}

export async function runTrainPeers(ctx: SuiteContext): Promise<void> {
  if (!fs.existsSync(TORCH_PYTHON)) return ctx.skip('peers', 'PyTorch training peer', `${TORCH_PYTHON} not found`);
  for (const { model, seq, runs } of trainShapes(ctx.opts.quick)) {
    try {
      await measureShape(ctx, model, seq, runs);
    } catch (e) {
      ctx.skip('peers', `training peer on ${model}`, `failed: ${(e as Error).message}`);
    }
  }
}
