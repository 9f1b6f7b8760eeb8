/**
 * llama.cpp judges our GGUF exports (node-llama-cpp's prebuilt CPU binary): a base GGUF written by us plus our
 * adapter GGUF, and the merged GGUF in every dtype, must give llama.cpp log-probabilities at every position of a
 * sequence that match our engine's f32 base + adapters (F32 within 0.02: llama.cpp keeps its KV cache in f16),
 * and identical greedy continuations. Covers the llama q/k permutation (demo: GQA, tied; llama3 rope factors,
 * untied head), qwen2 biases and qwen3 q/k norms, rsLoRA, rank/alpha patterns and negative mix weights.
 */
import { gguf as parseGguf } from '@huggingface/gguf';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { stackFactors, type Stacked } from '../lora/merge';
import type { LoraAdapter } from '../lora/lora-adapter';
import { loadModelConfig, type ModelConfig } from '../model/config';
import type { DecoderModel } from '../model/llama';
import { loadModel } from '../model/load';
import type { ModelFiles } from '../spec/model-files';
import { folderFiles, REPO_ROOT } from '../test-utils/model-fixtures.node.js';
import { llamaCppGreedy, llamaCppLogProbs, llamaCppTokenize } from '../test-utils/llama-cpp.node.js';
import { loadTokenizer } from '../tokenizer/load';
import { Rng } from '../util/rng';
import { logProbGap, ourGreedy, randomAdapter, stackOf, tempDir, withTokenizer } from './export-fixtures.node.js';
import { writeFileAtomically } from './file-sink.node.js';
import { writeGgufAdapter, type AdapterGgufType } from './gguf-adapter';
import { writeGgufModel, type ModelGgufType } from './gguf-model';
import { openMergedWeights } from './merged-weights';

/**
 * Stated tolerances against our f32 engine: max |Δ log-prob| over the sequence (F32 is the issue's 0.02). The
 * trained demo model is what users' models look like; the random tiny fixtures (weights ~N(0, 0.02²) scaled up by
 * a strong adapter, near-uniform outputs) are a worst case for rounding, so their quantized bounds are wider.
 */
const TOLERANCE: Record<'trained' | 'random', Record<ModelGgufType, number>> = {
  trained: { F32: 0.02, F16: 0.01, BF16: 0.05, Q8_0: 0.1, Q4_0: 0.5 },
  random: { F32: 0.02, F16: 0.06, BF16: 0.4, Q8_0: 0.6, Q4_0: Infinity },
};
const RANDOM_Q4_0_MEAN = 1.5;

interface Case {
  name: string;
  dir: string;
  kind: 'trained' | 'random';
  /** B ~ N(0, bStd): big enough that the adapter moves log-probs visibly. */
  bStd: number;
}

const CASES: Case[] = [
  { name: 'demo model (llama, GQA 4/2, tied)', dir: 'public/models/lorastudio-demo', kind: 'trained', bStd: 0.12 },
  {
    name: 'llama3-rope-untied (rope_freqs, untied head)',
    dir: 'fixtures/models/llama3-rope-untied',
    kind: 'random',
    bStd: 0.3,
  },
  { name: 'qwen2 (q/k/v bias)', dir: 'fixtures/models/qwen2', kind: 'random', bStd: 0.3 },
  { name: 'qwen3 (q/k norm, head_dim ≠ hidden/heads)', dir: 'fixtures/models/qwen3', kind: 'random', bStd: 0.3 },
];

const work = tempDir('judge');
const ggufs: string[] = [];

beforeAll(async () => {
  await initNodeBackend('wasm');
});

afterAll(async () => {
  for (const file of ggufs) {
    const parsed = await parseGguf(file, { allowLocalFile: true });
    expect(parsed.tensorInfos.length, file).toBeGreaterThan(0);
  }
});

async function writeAdapter(
  file: string,
  config: ModelConfig,
  factors: Map<string, Stacked>,
  type: AdapterGgufType,
): Promise<string> {
  await writeFileAtomically(file, (sink) =>
    writeGgufAdapter(sink, config, factors, { type, name: path.basename(file) }),
  );
  ggufs.push(file);
  return file;
}

async function writeModel(
  file: string,
  files: ModelFiles,
  config: ModelConfig,
  factors: Map<string, Stacked>,
  type: ModelGgufType,
): Promise<string> {
  const weights = await openMergedWeights(files, config, factors);
  await writeFileAtomically(file, (sink) =>
    writeGgufModel(sink, files, config, weights, { type, name: path.basename(file) }),
  );
  ggufs.push(file);
  return file;
}

for (const c of CASES) {
  describe(c.name, () => {
    const files = folderFiles(withTokenizer(path.join(REPO_ROOT, c.dir)));
    const dir = path.join(work, path.basename(c.dir));
    let config: ModelConfig;
    let model: DecoderModel;
    let mix: { adapter: LoraAdapter; weight: number }[];
    let factors: Map<string, Stacked>;
    let ids: number[];
    let ours: (number | null)[];

    beforeAll(async () => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dir, { recursive: true });
      config = await loadModelConfig(files);
      model = await loadModel(files);
      // A plain adapter and an rsLoRA one with rank/alpha patterns, mixed with a negative weight.
      const plain = await randomAdapter(model, 1, { rank: 8, alpha: 16 }, c.bStd);
      const rs = await randomAdapter(
        model,
        2,
        {
          rank: 4,
          alpha: 8,
          useRslora: true,
          targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
          rankPattern: { o_proj: 2 },
          alphaPattern: { v_proj: 3 },
        },
        c.bStd,
      );
      mix = [
        { adapter: plain, weight: 0.7 },
        { adapter: rs, weight: -0.5 },
      ];
      factors = await stackFactors(mix);
      if (c.dir.includes('demo')) {
        const tok = await loadTokenizer(files);
        ids = tok.encode(
          'Call me Ishmael. Some years ago, never mind how long precisely, having little money in my purse',
        );
      } else {
        const rng = new Rng(7);
        ids = Array.from({ length: 24 }, () => Math.floor(rng.nextFloat() * config.vocab));
      }
      ours = await model.logProbs(ids, { hook: stackOf(mix) });
      const base = await model.logProbs(ids);
      // The adapters must matter, or agreement would prove nothing.
      expect(logProbGap(base, ours).mean).toBeGreaterThan(0.05);
    }, 120_000);

    /**
     * 32 greedy tokens from a 4-token prompt. On the trained demo model they must be identical. The random fixtures'
     * outputs are near-uniform, so there they must agree up to the first step whose best two logits are within
     * 0.05 of each other (a tie at f32 rounding, where either pick is right), if any.
     */
    async function expectSameGreedy(file: string, adapters: { filePath: string }[] | undefined): Promise<void> {
      const prompt = ids.slice(0, 4);
      const theirs = await llamaCppGreedy(file, prompt, 32, { adapters });
      const mine = await ourGreedy(model, prompt, 32, stackOf(mix));
      const split = theirs.findIndex((t, i) => t !== mine.ids[i]);
      if (c.kind === 'trained' || split < 0) return void expect(theirs).toEqual(mine.ids);
      console.log(
        `${c.name}: greedy agrees for ${split} tokens, then a near-tie (top-2 gap ${mine.margins[split].toExponential(2)})`,
      );
      expect(mine.margins[split]).toBeLessThan(0.05);
    }

    afterAll(() => {
      mix?.forEach((m) => m.adapter.dispose());
      model?.dispose();
    });

    it('our base GGUF + our adapter GGUF in llama.cpp = our base + adapters (F32 within 0.02), greedy identical for 32 tokens', async () => {
      const base = await writeModel(path.join(dir, 'base.gguf'), files, config, new Map(), 'F32');
      const adapter = await writeAdapter(path.join(dir, 'adapter.gguf'), config, factors, 'F32');
      const theirs = await llamaCppLogProbs(base, ids, { adapters: [{ filePath: adapter }] });
      const gap = logProbGap(ours, theirs);
      console.log(
        `${c.name}: base+adapter GGUF F32 max |Δ| ${gap.max.toExponential(2)} mean ${gap.mean.toExponential(2)}`,
      );
      expect(gap.max).toBeLessThan(0.02);
      await expectSameGreedy(base, [{ filePath: adapter }]);
    }, 180_000);

    it('merged GGUF F32 in llama.cpp = our base + adapters within 0.02, greedy identical for 32 tokens', async () => {
      const merged = await writeModel(path.join(dir, 'merged-F32.gguf'), files, config, factors, 'F32');
      const gap = logProbGap(ours, await llamaCppLogProbs(merged, ids));
      console.log(`${c.name}: merged GGUF F32 max |Δ| ${gap.max.toExponential(2)} mean ${gap.mean.toExponential(2)}`);
      expect(gap.max).toBeLessThan(TOLERANCE[c.kind].F32);
      await expectSameGreedy(merged, undefined);
    }, 180_000);

    it('merged GGUF F16, BF16, Q8_0, Q4_0 stay within their stated tolerances', async () => {
      for (const type of ['F16', 'BF16', 'Q8_0', 'Q4_0'] as const) {
        const merged = await writeModel(path.join(dir, `merged-${type}.gguf`), files, config, factors, type);
        const gap = logProbGap(ours, await llamaCppLogProbs(merged, ids));
        console.log(
          `${c.name}: merged GGUF ${type} max |Δ| ${gap.max.toExponential(2)} mean ${gap.mean.toExponential(2)}`,
        );
        // Random weights under 4-bit rounding swing single positions by several nats; bound their mean instead.
        if (c.kind === 'random' && type === 'Q4_0') expect(gap.mean, type).toBeLessThan(RANDOM_Q4_0_MEAN);
        else expect(gap.max, type).toBeLessThan(TOLERANCE[c.kind][type]);
      }
    }, 240_000);

    if (c.dir.includes('demo')) {
      it('adapter GGUF in F16 and Q8_0, and a single plain adapter, agree too', async () => {
        const base = path.join(dir, 'base.gguf');
        for (const type of ['F16', 'Q8_0'] as const) {
          const adapter = await writeAdapter(path.join(dir, `adapter-${type}.gguf`), config, factors, type);
          const gap = logProbGap(ours, await llamaCppLogProbs(base, ids, { adapters: [{ filePath: adapter }] }));
          console.log(
            `${c.name}: adapter GGUF ${type} max |Δ| ${gap.max.toExponential(2)} mean ${gap.mean.toExponential(2)}`,
          );
          expect(gap.max, type).toBeLessThan(type === 'F16' ? 0.02 : 0.05);
        }
        const single = await writeAdapter(
          path.join(dir, 'single.gguf'),
          config,
          await stackFactors([{ adapter: mix[0].adapter, weight: 1 }]),
          'F32',
        );
        const one = await model.logProbs(ids, { hook: stackOf([mix[0]]) });
        // llama.cpp's own --lora-scaled multiplies like our mix weight.
        expect(
          logProbGap(one, await llamaCppLogProbs(base, ids, { adapters: [{ filePath: single, scale: 0.7 }] })).max,
        ).toBeLessThan(0.02);
      }, 180_000);

      it("llama.cpp tokenizes text exactly as our tokenizer does from the GGUF's tokenizer KVs", async () => {
        const tok = await loadTokenizer(files);
        const text = 'Call me Ishmael. <|im_start|>user\nThe whale, 1851 — "Moby-Dick"!\n\n  spaced  out<|im_end|>';
        const theirs = await llamaCppTokenize(path.join(dir, 'base.gguf'), text);
        expect(theirs.ids).toEqual(tok.encode(text));
        expect([theirs.bos, theirs.eos]).toEqual([0, 0]);
      }, 60_000);
    }
  });
}
