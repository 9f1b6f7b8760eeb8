/**
 * Suite `peers-threads` (Node only): what a second thread gives the peers on this machine, one thread against two,
 * alternated run by run so both see the same load. The studio's own figure is `train/<mode>/b1/threads-speedup`
 * (the `train` suite in Chromium with `--threads`: Node's tfjs-wasm has no threads); this suite measures the
 * same quotient for code we did not write, so the target (≥ 1.6×) can be read against what the machine gives:
 *   - PyTorch + the system BLAS: the `peers-train` LoRA step at SmolLM2-135M's shapes, two peer processes (torch,
 *     OpenMP and OpenBLAS on 1 and on 2 threads), step by step;
 *   - llama.cpp: prefill and greedy decode of the `peers` prompt at SmolLM2-135M's shapes (Q4_0 and F32 GGUFs from
 *     our exporter), a context on 1 and one on 2 threads, run by run.
 * Reported per peer: each side's rate (min/median/max) and 2 ÷ 1 per pair (one quotient per alternated pair).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama } from 'node-llama-cpp';
import { ensureRealShapes } from '../../scripts/real-shapes/real-shapes';
import { writeFileAtomically } from '../../src/export/file-sink.node.js';
import { writeGgufModel, type ModelGgufType } from '../../src/export/gguf-model';
import { openMergedWeights } from '../../src/export/merged-weights';
import { loadModelConfig } from '../../src/model/config';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { loadTokenizer } from '../../src/tokenizer/load';
import { DEFAULT_LORA_CONFIG } from '../../src/spec/lora-config';
import { figure, rate, type SuiteContext } from '../core/context';
import { summarize } from '../core/stats';
import { benchModelConfig } from '../models/bench-models';
import { TORCH_PYTHON, TorchPeer } from '../peers/torch-peer.node.js';
import { PEER_PROMPT, peerDecode } from './peers.node.js';
import { TRAIN_ALPHA, TRAIN_RANK } from './train';

const THREADS = 2;
const GGUF_TYPES: readonly ModelGgufType[] = ['Q4_0', 'F32'];

/** Per pair a / b, as one summary. */
const perPair = (a: readonly number[], b: readonly number[]) => summarize(a.map((x, i) => x / b[i]!));

/** Reports one side-by-side: the 1- and 2-thread rates and 2 ÷ 1 per pair (from ms per run of `work` units). */
function reportPair(
  ctx: SuiteContext,
  key: string,
  label: string,
  unit: string,
  work: number,
  oneMs: number[],
  twoMs: number[],
  note: string,
): void {
  ctx.report(figure('peers-threads', `${key}/1-thread`, `${label}, 1 thread`, unit, rate(oneMs, work), true, note));
  ctx.report(figure('peers-threads', `${key}/2-threads`, `${label}, 2 threads`, unit, rate(twoMs, work), true, note));
  ctx.report(
    figure(
      'peers-threads',
      `${key}/speedup`,
      `${label}: 2 threads ÷ 1`,
      '×',
      perPair(oneMs, twoMs), // time 1 ÷ time 2 = rate 2 ÷ rate 1
      true,
      'one quotient per alternated pair',
    ),
  );
}

const load1 = (): string => os.loadavg()[0]!.toFixed(1);

async function torchThreads(ctx: SuiteContext, runs: number): Promise<void> {
  if (!fs.existsSync(TORCH_PYTHON)) return ctx.skip('peers-threads', 'PyTorch', `${TORCH_PYTHON} not found`);
  const config = benchModelConfig('smollm2-135m');
  const seq = 64;
  const shape = { config, seq, batch: 1, rank: TRAIN_RANK, alpha: TRAIN_ALPHA, dropout: DEFAULT_LORA_CONFIG.dropout };
  const [one, two] = [new TorchPeer(shape), new TorchPeer({ ...shape, threads: THREADS })];
  try {
    const [a, b] = [await one.info(), await two.info()];
    if (a.threads !== 1 || b.threads !== THREADS) throw new Error(`peers ran ${a.threads} and ${b.threads} threads`);
    const before = load1();
    const [oneMs, twoMs]: number[][] = [[], []];
    for (let r = 0; r <= runs; r++) {
      const [x, y] = [await one.step(), await two.step()];
      if (r === 0) continue; // warm-up pair
      oneMs.push(x);
      twoMs.push(y);
    }
    const note = `SmolLM2-135M shapes, 1×${seq} tokens, LoRA r${TRAIN_RANK} all-linear (the peers-train step); PyTorch ${a.torch}; load average ${before} → ${load1()}`;
    reportPair(ctx, 'peers-threads/pytorch/smollm2-135m', 'PyTorch LoRA step', 'tok/s', seq, oneMs, twoMs, note);
  } finally {
    one.close();
    two.close();
  }
}

async function llamaThreads(ctx: SuiteContext, runs: number, newTokens: number): Promise<void> {
  const dir = await ensureRealShapes('smollm2-135m');
  const files = folderFiles(dir);
  const config = await loadModelConfig(files);
  const prompt = (await loadTokenizer(files)).encode(PEER_PROMPT);
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-threads-'));
  try {
    for (const type of GGUF_TYPES) {
      const gguf = path.join(work, `model-${type}.gguf`);
      const weights = await openMergedWeights(files, config, new Map());
      await writeFileAtomically(gguf, (sink) => writeGgufModel(sink, files, config, weights, { type, name: 'smol' }));
      const before = load1();
      const [onePrefill, twoPrefill, oneDecode, twoDecode]: number[][] = [[], [], [], []];
      for (let r = 0; r <= runs; r++) {
        const a = await peerDecode(llama, gguf, prompt, newTokens, 1);
        const b = await peerDecode(llama, gguf, prompt, newTokens, THREADS);
        if (r === 0) continue;
        onePrefill.push(a.prefillMs);
        twoPrefill.push(b.prefillMs);
        oneDecode.push(a.decodeMs);
        twoDecode.push(b.decodeMs);
      }
      fs.rmSync(gguf, { force: true });
      const key = `peers-threads/llama.cpp/smollm2-135m/${type}`;
      const note = `SmolLM2-135M shapes, ${type} GGUF from our exporter; load average ${before} → ${load1()}`;
      const label = `llama.cpp ${type}`;
      reportPair(
        ctx,
        `${key}/prefill`,
        `${label} prefill, ${prompt.length}-token prompt`,
        'tok/s',
        prompt.length,
        onePrefill,
        twoPrefill,
        note,
      );
      reportPair(ctx, `${key}/decode`, `${label} decode`, 'tok/s', newTokens - 1, oneDecode, twoDecode, note);
    }
  } finally {
    await llama.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

export async function runThreadsPeers(ctx: SuiteContext): Promise<void> {
  const runs = ctx.opts.quick ? 2 : 6;
  await torchThreads(ctx, runs);
  await llamaThreads(ctx, runs, ctx.opts.quick ? 8 : 16);
}
