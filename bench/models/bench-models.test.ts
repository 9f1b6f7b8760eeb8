import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/backend/node';
import { tf, type Tensor2D } from '../../src/backend/tf';
import { countParameters, denseLinearFactory } from '../../src/model';
import { kernelCases } from '../suites/kernels';
import { NaiveLoraLlama } from '../naive/naive-lora';
import { allLinearLoraParameters, benchModelConfig, buildModel, matmulParameters, randomWeights } from './bench-models';

describe('bench models', () => {
  it('smollm2-135m has SmolLM2-135M published parameter count (134,515,008)', () => {
    const c = benchModelConfig('smollm2-135m');
    expect(countParameters(c)).toBe(134_515_008);
    // Matmul parameters: 30 layers × 3,538,944 projection weights + the tied 49152×576 head.
    expect(matmulParameters(c)).toBe(30 * 3_538_944 + 49152 * 576);
    // r=16 on q,k,v,o,gate,up,down: 16·((576+576)+(576+192)·2+(576+576)+(576+1536)·3) per layer.
    expect(allLinearLoraParameters(c, 16)).toBe(30 * 16 * (1152 + 768 * 2 + 1152 + 2112 * 3));
  });

  it('kernel cases: all SmolLM2 shapes × M, --quick drops M=256 and the big head at M>1 off wasm', () => {
    expect(kernelCases('wasm', false)).toHaveLength(12);
    expect(kernelCases('wasm', true)).toHaveLength(8);
    const gpuQuick = kernelCases('webgpu', true);
    expect(gpuQuick).toHaveLength(7);
    expect(gpuQuick.some((c) => c.outFeatures === 49152 && c.m > 1)).toBe(false);
  });
});

describe('naive peer is the same model', () => {
  beforeAll(async () => {
    await initNodeBackend('cpu');
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  it('gives the engine logits on the same random weights (LoRA B starts at zero)', () => {
    const c = benchModelConfig('tiny');
    const w = randomWeights(c, 3);
    const model = buildModel(c, w, denseLinearFactory);
    const naive = new NaiveLoraLlama(c, w, 16, 32, 16);
    const ids = tf.tensor2d([[1, 5, 9, 100, 7, 3, 250, 11]], [1, 8], 'int32') as Tensor2D;
    const ours = tf.tidy(() => model.forward(ids).reshape([8, c.vocab]));
    const theirs = tf.tidy(() => naive.logits(ids));
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-4);
    // The naive step trains: the loss after a few Adam steps on one batch goes down.
    const labels = tf.tensor2d([[5, 9, 100, 7, 3, 250, 11, 2]], [1, 8], 'int32') as Tensor2D;
    const losses = Array.from({ length: 4 }, () => {
      const l = naive.step(ids, labels);
      const v = l.dataSync()[0];
      l.dispose();
      return v;
    });
    expect(losses[3]).toBeLessThan(losses[0]);
    tf.dispose([ids, labels, ours, theirs]);
    model.dispose();
    naive.dispose();
  });
});
