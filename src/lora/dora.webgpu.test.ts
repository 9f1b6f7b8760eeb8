import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import { importPeft } from './peft';
import { DenseLinear } from '../model/dense-linear';
import { folderFiles } from '../model/folder-files.node.js';
import type { LinearFactory } from '../model/linear';
import { loadModel } from '../model/load';
import { dequantize } from '../quant/dequantize';
import { createLinearFactory } from '../model/linear-factory';
import { quantize } from '../quant/quantize';
import { maxAbsDiff } from '../test-utils/tolerance';
import { initNodeWebGpu } from '../test-utils/webgpu.node.js';
import { specsOf } from './config';

// DoRA through the tfjs WebGPU backend (SwiftShader here): the PEFT-written dora-qwen2 adapter (biased q/k/v) scores
// like float64 PyTorch on an f32 base, and on an int4 base (the norm's A·Wᵀ through the WGSL quantized kernel)
// like DoRA on a dense copy of the dequantized weight.
const DIR = path.resolve(__dirname, '../../fixtures/lora/dora-qwen2');
const golden = JSON.parse(readFileSync(path.join(DIR, 'golden.json'), 'utf8')) as {
  scores: Array<{ ids: number[]; logprobs: (number | null)[] }>;
};

describe('DoRA (webgpu)', () => {
  beforeAll(async () => {
    expect(await initNodeWebGpu()).toBe(true);
  });

  it('scores like PyTorch (f32 base) and like the dequantized weight (int4 base)', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const s = golden.scores[1];
    const dequantized: LinearFactory = (_p, w, shape, bias) =>
      new DenseLinear(dequantize(quantize(w, shape, 'int4', 32)), shape, bias);
    const got: (number | null)[][] = [];
    for (const linearFactory of [undefined, createLinearFactory('int4', { groupSize: 32 }), dequantized]) {
      const model = await loadModel(folderFiles(DIR), { linearFactory });
      const { adapter } = await importPeft(folderFiles(path.join(DIR, 'adapter')), specsOf(model.linears()));
      got.push(await model.logProbs(s.ids, { hook: adapter }));
      adapter.dispose();
      model.dispose();
    }
    expect(maxAbsDiff(got[0], s.logprobs)).toBeLessThan(1e-4);
    expect(maxAbsDiff(got[1], got[2])).toBeLessThan(1e-4);
  }, 300_000); // SwiftShader compiles every WGSL shape on first use
});
