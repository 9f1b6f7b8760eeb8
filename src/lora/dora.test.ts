/**
 * DoRA beyond the PyTorch goldens (golden.test.ts): a fresh DoRA adapter is a no-op; on a quantized base the norm
 * comes from the dequantized weight; PEFT export/import round-trips (both magnitude key forms); the folded weight
 * equals the adapter's forward; llama.cpp export is refused with the merged export offered.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { initNodeBackend } from '../backend/node';
import { MultiplexHook } from '../eval/multiplex-hook';
import { writeFolderAtomically } from '../export/file-sink.node.js';
import { writeGgufAdapter } from '../export/gguf-adapter';
import { writeMergedHf } from '../export/merged-hf';
import { openMergedWeights } from '../export/merged-weights';
import { exportPeft, importPeft, parseMagnitudeKey } from './peft';
import { DenseLinear } from '../model/dense-linear';
import { folderFiles } from '../model/folder-files.node.js';
import type { LinearFactory } from '../model/linear';
import { loadModelConfig } from '../model/config';
import { loadModel } from '../model/load';
import { memoryFiles } from '../formats/memory-files';
import { project } from '../model/weights';
import { dequantize } from '../quant/dequantize';
import { createLinearFactory } from '../model/linear-factory';
import { quantize } from '../quant/quantize';
import { maxAbsDiff } from '../test-utils/tolerance';
import { Rng } from '../util/rng';
import { specsOf } from './config';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../spec/lora-config';
import { doraRowNorms, foldDora } from './dora';
import { LoraAdapter } from './lora-adapter';
import { stackFactors } from './merge';

const DIR = path.resolve(__dirname, '../../fixtures/lora/dora-qwen2');
const IDS = [1, 33, 33, 12, 60, 2, 17, 17, 50, 4];
const DORA: LoraConfig = { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout: 0, useDora: true };

beforeAll(async () => {
  await initNodeBackend('cpu');
});

describe('DoRA', () => {
  it('a new DoRA adapter (B = 0, m = ‖W‖) leaves the base unchanged, f32 and int4', async () => {
    for (const factory of [undefined, createLinearFactory('int4', { groupSize: 32 })]) {
      const model = await loadModel(folderFiles(DIR), { linearFactory: factory });
      const specs = specsOf(model.linears());
      const adapter = LoraAdapter.create(DORA, specs, new Rng(3), await doraRowNorms(DORA, specs));
      expect(adapter.variables().size).toBe(3 * 7 * 2); // A, B, magnitude × 7 modules × 2 layers
      const base = await model.logProbs(IDS);
      const adapted = await model.logProbs(IDS, { hook: adapter });
      expect(maxAbsDiff(adapted, base)).toBeLessThan(2e-5);
      adapter.dispose();
      model.dispose();
    }
  });

  it('on an int4 base the norm is that of the dequantized weight (= DoRA on a dense copy of it)', async () => {
    const packedFactory = createLinearFactory('int4', { groupSize: 32 });
    const dequantizedFactory: LinearFactory = (_p, w, shape, bias) =>
      new DenseLinear(dequantize(quantize(w, shape, 'int4', 32)), shape, bias);
    const scores: (number | null)[][] = [];
    for (const linearFactory of [packedFactory, dequantizedFactory]) {
      const model = await loadModel(folderFiles(DIR), { linearFactory });
      const { adapter } = await importPeft(folderFiles(path.join(DIR, 'adapter')), specsOf(model.linears()));
      scores.push(await model.logProbs(IDS, { hook: adapter }));
      adapter.dispose();
      model.dispose();
    }
    expect(maxAbsDiff(scores[0], scores[1])).toBeLessThan(1e-4);
  });

  it('PEFT export → import keeps use_dora, the magnitudes and the scores; llama.cpp export is refused', async () => {
    const model = await loadModel(folderFiles(DIR));
    const specs = specsOf(model.linears());
    const { adapter } = await importPeft(folderFiles(path.join(DIR, 'adapter')), specs);
    const files = await exportPeft(adapter, { baseModel: 'fixtures/lora/dora-qwen2' });
    const cfg = JSON.parse(new TextDecoder().decode(files['adapter_config.json'])) as { use_dora: boolean };
    expect(cfg.use_dora).toBe(true);
    const back = (await importPeft(memoryFiles(files), specs)).adapter;
    const want = await model.logProbs(IDS, { hook: adapter });
    expect(maxAbsDiff(await model.logProbs(IDS, { hook: back }), want)).toBeLessThan(1e-6);
    await expect(exportPeft(adapter, { baseModel: null, llamaCpp: true })).rejects.toThrow(
      /llama\.cpp has no DoRA.*merged/,
    );
    adapter.dispose();
    back.dispose();
    model.dispose();
  });

  it('reads both magnitude key forms PEFT has written', () => {
    const p = 'model.layers.0.self_attn.q_proj';
    expect(parseMagnitudeKey(`base_model.model.${p}.lora_magnitude_vector`)).toBe(p);
    expect(parseMagnitudeKey(`base_model.model.${p}.lora_magnitude_vector.weight`)).toBe(p);
    expect(parseMagnitudeKey(`base_model.model.${p}.lora_magnitude_vector.default.weight`)).toBe(p);
    expect(parseMagnitudeKey(`base_model.model.${p}.lora_A.weight`)).toBeNull();
  });

  it('foldDora gives the weight whose plain product equals the DoRA forward (with bias)', async () => {
    const [out, inp, rank] = [6, 5, 2];
    const rng = new Rng(9);
    const rand = (n: number) => Float32Array.from({ length: n }, () => rng.normal(0, 1));
    const w = rand(out * inp);
    const bias = rand(out);
    const base = new DenseLinear(w, [out, inp], bias);
    const spec = {
      path: 'model.layers.0.mlp.down_proj',
      inFeatures: inp,
      outFeatures: out,
      rowNorms: () => base.weightRowNorms(),
    };
    const weights = {
      loraA: rand(rank * inp),
      loraB: rand(out * rank),
      magnitude: Float32Array.from(rand(out), (v) => 2 + v),
    };
    const config = { ...DORA, rank, alpha: 3, targets: ['down_proj'] };
    const adapter = LoraAdapter.fromWeights(
      config,
      [spec],
      new Map([[spec.path, weights]]),
      await doraRowNorms(config, [spec]),
    );
    const folded = new DenseLinear(
      foldDora(w, [out, inp], weights.loraA, weights.loraB, rank, 1.5, weights.magnitude),
      [out, inp],
      bias,
    );
    const x = tf.tensor2d(rand(3 * inp), [3, inp]);
    const viaAdapter = project(base, spec.path, x, adapter);
    const viaFold = folded.apply(x);
    expect(maxAbsDiff(await viaAdapter.data(), await viaFold.data())).toBeLessThan(1e-5);
    tf.dispose([x, viaAdapter, viaFold]);
    adapter.dispose();
  });
});

describe('a DoRA adapter we trained, read back by the PyTorch reference', () => {
  it('scores identically (1e-4) in float64 PyTorch reading our PEFT files (scripts/fixtures/train-dora-adapter.ts)', async () => {
    const root = path.resolve(__dirname, '../../fixtures/lora');
    const golden = JSON.parse(readFileSync(path.join(root, 'dora-trained/golden.json'), 'utf8')) as {
      scores: Array<{ ids: number[]; logprobs: (number | null)[] }>;
    };
    const model = await loadModel(folderFiles(path.join(root, 'dora-llama')));
    const { adapter, config } = await importPeft(
      folderFiles(path.join(root, 'dora-trained/adapter')),
      specsOf(model.linears()),
    );
    expect(config.useDora).toBe(true);
    const base = await model.logProbs(golden.scores[0].ids);
    for (const s of golden.scores)
      expect(maxAbsDiff(await model.logProbs(s.ids, { hook: adapter }), s.logprobs)).toBeLessThan(1e-4);
    expect(maxAbsDiff(base, golden.scores[0].logprobs)).toBeGreaterThan(0.1); // training moved it: not a no-op adapter
    adapter.dispose();
    model.dispose();
  });
});

describe('DoRA in exports', () => {
  it('the merged folder folds DoRA into the weights (scores like base + adapter); GGUF adapter and LoRA merges refuse it', async () => {
    const files = folderFiles(DIR);
    const model = await loadModel(files);
    const { adapter } = await importPeft(folderFiles(path.join(DIR, 'adapter')), specsOf(model.linears()));
    const factors = await stackFactors([{ adapter, weight: 1 }], { dora: 'fold' });
    const weights = await openMergedWeights(files, await loadModelConfig(files), factors);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dora-merged-')), 'merged');
    await writeFolderAtomically(out, (sink) => writeMergedHf(sink, files, weights, { dtype: 'F32' }));
    const merged = await loadModel(folderFiles(out));
    expect(maxAbsDiff(await merged.logProbs(IDS), await model.logProbs(IDS, { hook: adapter }))).toBeLessThan(1e-4);
    await expect(
      writeGgufAdapter({ write: async () => undefined }, model.config, factors, { type: 'F32', name: 'x' }),
    ).rejects.toThrow(/llama\.cpp has no DoRA.*merged/);
    await expect(stackFactors([{ adapter, weight: 1 }])).rejects.toThrow(/DoRA/);
    await expect(stackFactors([{ adapter, weight: 0.5 }], { dora: 'fold' })).rejects.toThrow(/DoRA/);
    merged.dispose();
    adapter.dispose();
    model.dispose();
  });
});

describe('DoRA in a multiplexed batch (eval)', () => {
  it('rows using a DoRA adapter next to base rows score as each alone', async () => {
    const model = await loadModel(folderFiles(DIR));
    const { adapter } = await importPeft(folderFiles(path.join(DIR, 'adapter')), specsOf(model.linears()));
    const ids = IDS.slice(0, 8);
    const hook = new MultiplexHook([adapter, null]);
    const both = tf.tidy(() =>
      tf.logSoftmax(model.forward(tf.tensor2d([ids, ids], [2, ids.length], 'int32'), { hook }), -1),
    );
    const alone = tf.tidy(() =>
      tf.logSoftmax(model.forward(tf.tensor2d([ids], [1, ids.length], 'int32'), { hook: adapter }), -1),
    );
    const base = tf.tidy(() => tf.logSoftmax(model.forward(tf.tensor2d([ids], [1, ids.length], 'int32')), -1));
    const [b, a, z] = await Promise.all([both.data(), alone.data(), base.data()]);
    expect(maxAbsDiff(b.subarray(0, a.length), a)).toBeLessThan(1e-4);
    expect(maxAbsDiff(b.subarray(a.length), z)).toBeLessThan(1e-4);
    tf.dispose([both, alone, base]);
    hook.dispose();
    adapter.dispose();
    model.dispose();
  });
});
