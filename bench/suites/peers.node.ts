/**
 * Suite `peers` (Node only) = `peers-decode` + `peers-train` (./peers-train.node.ts, ours vs PyTorch).
 * `peers-decode`: our decode against llama.cpp's on the same model, one thread each, interleaved run by
 * run so both sides see the same machine load. llama.cpp is node-llama-cpp's prebuilt CPU binary reading GGUFs
 * that our own exporter (src/export) writes from the same checkpoint: our int4 against its Q4_0, int8 against
 * Q8_0, f32 against F32. Reported: decode tokens/s of each side (min/median/max), their ratio, and greedy
 * agreement (the share of generated tokens equal to llama.cpp's, position by position, on the same prompt ids).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, type Llama, type Token } from 'node-llama-cpp';
import { ensureRealShapes } from '../../scripts/real-shapes/real-shapes';
import { writeFileAtomically } from '../../src/export/file-sink.node.js';
import { writeGgufModel, type ModelGgufType } from '../../src/export/gguf-model';
import { openMergedWeights } from '../../src/export/merged-weights';
import { generate } from '../../src/generate';
import type { QuantMode } from '../../src/model';
import { loadModelConfig } from '../../src/model/config';
import { folderFiles } from '../../src/model/folder-files.node.js';
import { createLinearFactory } from '../../src/model/linear-factory';
import { loadModel } from '../../src/model/load';
import { loadTokenizer } from '../../src/tokenizer/load';
import { figure, type SuiteContext } from '../core/context';
import { summarize } from '../core/stats';
import { wasmGemvSettings } from '../../src/quant/kernels/wasm/wasm-gemv-host';
import { relaxedSimdSupported } from '../../src/quant/kernels/wasm/gemv-wasm';
import { runTrainPeers } from './peers-train.node.js';
import { reportDecodePair } from './peers-decode-figures';

const DEMO_DIR = path.resolve('public/models/lorastudio-demo');
export const PEER_PROMPT =
  'Call me Ishmael. Some years ago, never mind how long precisely, having little money in my purse';
const PAIRS: Array<{ ours: QuantMode; peer: ModelGgufType }> = [
  { ours: 'int4', peer: 'Q4_0' },
  { ours: 'int8', peer: 'Q8_0' },
  { ours: 'f32', peer: 'F32' },
];

/**
 * llama.cpp picks the greedy token natively (temperature 0), as ours reads back one [vocab] row from the heap.
 * Asking it for every logit instead builds a JS Map of the whole vocabulary per token (49152 entries at SmolLM2's
 * vocabulary: measured 9.5 tok/s for Q4_0, Q8_0 and F32 alike), timing node-llama-cpp's marshalling, not llama.cpp.
 */
const GREEDY = { token: true, options: { temperature: 0 } } as const;

/** llama.cpp greedy decode of `n` tokens after `prompt` on `threads` threads; the decode time excludes the prompt. */
export async function peerDecode(
  llama: Llama,
  modelPath: string,
  prompt: number[],
  n: number,
  threads = 1,
): Promise<{ ids: number[]; prefillMs: number; decodeMs: number }> {
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  try {
    const context = await model.createContext({ contextSize: 256, batchSize: 256, threads });
    try {
      const seq = context.getSequence();
      const picked = (t: Token | null | undefined): number => {
        if (t === undefined || t === null) throw new Error('llama.cpp returned no token');
        return t;
      };
      const tp = performance.now();
      const first = await seq.controlledEvaluate(
        prompt.map((id, i) => (i === prompt.length - 1 ? [id as Token, { generateNext: GREEDY }] : (id as Token))),
      );
      const ids = [picked(first[first.length - 1]!.next.token)];
      const t0 = performance.now();
      const prefillMs = t0 - tp;
      while (ids.length < n) {
        const res = await seq.controlledEvaluate([[ids[ids.length - 1] as Token, { generateNext: GREEDY }]]);
        ids.push(picked(res[0]!.next.token));
      }
      return { ids, prefillMs, decodeMs: performance.now() - t0 };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

/** One model of the decode comparison: its checkpoint folder, the figure-key prefix and the run sizes. */
interface DecodeModel {
  label: string;
  dir: string;
  /** `peers/decode` for the demo (the keys the targets and earlier files use), `peers/decode/<name>` otherwise. */
  key: string;
  runs: number;
  newTokens: number;
  /** Also time our decode with the JS kernel (skipped where it would take minutes). */
  jsKernel: boolean;
}

/** The demo model; without --quick also SmolLM2-135M's shapes (random bf16 weights from scripts/real-shapes). */
async function decodeModels(quick: boolean): Promise<DecodeModel[]> {
  const demo = { label: 'demo model', dir: DEMO_DIR, key: 'peers/decode', jsKernel: true };
  if (quick) return [{ ...demo, runs: 3, newTokens: 24 }];
  const smol = await ensureRealShapes('smollm2-135m');
  return [
    { ...demo, runs: 5, newTokens: 48 },
    {
      label: 'SmolLM2-135M shapes',
      dir: smol,
      key: 'peers/decode/smollm2-135m',
      // 7, not 3: on this shared machine single runs of either side moved 1.5× (ratios 0.31–0.72× within 3 runs)
      runs: 7,
      newTokens: 16,
      jsKernel: false,
    },
  ];
}

export async function runDecodePeers(ctx: SuiteContext): Promise<void> {
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never, progressLogs: false });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'peers-'));
  try {
    for (const spec of await decodeModels(ctx.opts.quick)) await decodeModel(ctx, llama, work, spec);
  } finally {
    await llama.dispose();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function decodeModel(ctx: SuiteContext, llama: Llama, work: string, spec: DecodeModel): Promise<void> {
  const { runs, newTokens } = spec;
  const files = folderFiles(spec.dir);
  const config = await loadModelConfig(files);
  const tokenizer = await loadTokenizer(files);
  const prompt = tokenizer.encode(PEER_PROMPT);
  // Which build of our kernels runs (the bench's --simd): relaxed where Chromium would run it.
  const relaxed = relaxedSimdSupported();
  {
    for (const { ours: mode, peer } of PAIRS) {
      const gguf = path.join(work, `model-${peer}.gguf`);
      const weights = await openMergedWeights(files, config, new Map());
      await writeFileAtomically(gguf, (sink) =>
        writeGgufModel(sink, files, config, weights, { type: peer, name: 'demo' }),
      );
      const model = await loadModel(files, { linearFactory: createLinearFactory(mode) });
      const request = { promptIds: prompt, maxNewTokens: newTokens, temperature: 0, seed: 1 };
      const oursMs: number[] = [];
      const jsMs: number[] = []; // int4/int8 with the JS kernel instead of our wasm SIMD one: what the kernel buys
      const exactMs: number[] = []; // int4/int8 with x kept in f32 (quantizeX 'never'): what the integer dots buy
      const x16Ms: number[] = []; // int4 with x as 16-bit integers where the relaxed build would take 8: what 8 buys
      const peerMs: number[] = [];
      const [oursPrefillMs, peerPrefillMs]: number[][] = [[], []]; // the prompt pass, to its first token
      let oursIds: number[] = [];
      let peerIds: number[] = [];
      try {
        // Interleaved: ours, llama.cpp, ours, … (plus one warm-up of each), so drifting load hits both sides alike.
        for (let r = 0; r <= runs; r++) {
          const g = await generate(model, tokenizer, request);
          const p = await peerDecode(llama, gguf, prompt, g.newTokens);
          // Our decode again with one kernel option changed (what that option buys), on the same token count
          const timedWith = async (change: Partial<typeof wasmGemvSettings>, into: number[]) => {
            // Only the changed keys go back: the call counters must keep counting
            const saved = Object.fromEntries(
              Object.keys(change).map((k) => [k, wasmGemvSettings[k as keyof typeof change]]),
            );
            Object.assign(wasmGemvSettings, change);
            try {
              const variant = await generate(model, tokenizer, { ...request, maxNewTokens: g.newTokens });
              if (r > 0) into.push(variant.decodeMs);
            } finally {
              Object.assign(wasmGemvSettings, saved);
            }
          };
          if (mode === 'int4' || mode === 'int8') await timedWith({ quantizeX: 'never' }, exactMs);
          if (mode === 'int4' && relaxed) await timedWith({ int4X8: false }, x16Ms);
          if (mode !== 'f32' && spec.jsKernel) await timedWith({ enabled: false }, jsMs);
          if (r === 0) continue;
          oursMs.push(g.decodeMs);
          peerMs.push(p.decodeMs);
          oursPrefillMs.push(g.prefillMs);
          peerPrefillMs.push(p.prefillMs);
          oursIds = g.ids;
          peerIds = p.ids;
        }
      } finally {
        model.dispose();
        fs.rmSync(gguf, { force: true });
      }
      reportDecodePair(ctx, spec, mode, peer, {
        oursIds,
        peerIds,
        oursMs,
        peerMs,
        oursPrefillMs,
        peerPrefillMs,
        jsMs,
        exactMs,
        x16Ms,
        relaxed,
        promptTokens: prompt.length,
      });
    }
    await oursInt4VsF32(ctx, spec, files, prompt);
  }
}

/**
 * Our int4 decode ÷ our f32 decode, the two models loaded side by side and run alternately (int4, f32, int4, …)
 * on the same prompt and token count, one ratio per pair: the pairs above time each mode in its own loop, minutes
 * apart, and on this shared machine their medians moved more between loops than int4 and f32 differ at the demo's
 * widths (separate loops gave 1.05–1.51× for the same code).
 */
async function oursInt4VsF32(
  ctx: SuiteContext,
  spec: DecodeModel,
  files: ReturnType<typeof folderFiles>,
  prompt: number[],
): Promise<void> {
  const tokenizer = await loadTokenizer(files);
  const [int4, f32] = [await loadModel(files, { linearFactory: createLinearFactory('int4') }), await loadModel(files)];
  try {
    const request = { promptIds: prompt, maxNewTokens: spec.newTokens, temperature: 0, seed: 1 };
    const ratios: number[] = [];
    for (let r = 0; r <= spec.runs; r++) {
      const a = await generate(int4, tokenizer, request);
      const b = await generate(f32, tokenizer, { ...request, maxNewTokens: a.newTokens });
      // Rates, not times: a greedy f32 run may stop at an end token sooner
      if (r > 0) ratios.push((a.newTokens - 1) / a.decodeMs / ((b.newTokens - 1) / b.decodeMs));
    }
    ctx.report(
      figure(
        'peers',
        `${spec.key}/int4/vs-ours-f32`,
        `decode ours int4 / ours f32, ${spec.label}`,
        '×',
        summarize(ratios),
        true,
        'the two alternated run by run, one ratio per pair',
      ),
    );
  } finally {
    int4.dispose();
    f32.dispose();
  }
}

export async function runPeersSuite(ctx: SuiteContext): Promise<void> {
  await runDecodePeers(ctx);
  await runTrainPeers(ctx);
}
