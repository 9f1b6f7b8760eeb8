import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../model/config';
import { estimateTrainingMemory, WASM_HEAP_FACTOR } from '../../train/memory-estimate';
import { fitAdvice, fittingSettings, loraParameters, trainingBytes, type FitTarget } from './fit';

const config = (name: string) =>
  parseModelConfig(JSON.parse(readFileSync(`fixtures/configs/${name}/config.json`, 'utf8')) as object);
const WEBGPU: FitTarget = { backend: 'webgpu', embeddings: 'f16' };
const WASM: FitTarget = { backend: 'wasm', embeddings: 'f32' };
const RUN = { seqLen: 512, batch: 1 };

describe('will it fit: the estimate of the backend the run computes on', () => {
  it('is the figure the studio shows before a run, per backend (WebGPU buffer bytes; the wasm heap with its factor)', () => {
    const c = config('qwen2.5-0.5b');
    for (const target of [WEBGPU, WASM]) {
      const shown = estimateTrainingMemory(c, {
        quant: 'int4',
        embeddings: target.embeddings,
        backend: target.backend,
        trainableParameters: loraParameters(c, 16),
        batch: 1,
        seqLen: 512,
        checkpointing: true,
        dropout: true,
      });
      expect(trainingBytes(c, 'int4', target, RUN)).toBe(shown.totalBytes);
    }
    // wasm promises its heap: the tensors (RoPE, each LoRA module and RMSNorm as one op) times the heap factor
    const tensors = estimateTrainingMemory(c, {
      quant: 'int4',
      embeddings: 'f32',
      backend: 'cpu',
      oneKernelRope: true,
      oneOpLora: true,
      oneOpRmsNorm: true,
      trainableParameters: loraParameters(c, 16),
      ...RUN,
      checkpointing: true,
      dropout: true,
    }).totalBytes;
    expect(trainingBytes(c, 'int4', WASM, RUN)).toBe(Math.round(WASM_HEAP_FACTOR * tensors));
  });

  it('WebGPU is asked for its tensor bytes (no heap factor), so a run that fits is not refused', () => {
    const c = config('qwen2.5-0.5b');
    const needed = trainingBytes(c, 'int4', WEBGPU, RUN);
    // Every backend keeps the same layer tape; only wasm's heap factor and f32 embeddings ask for more.
    expect(trainingBytes(c, 'int4', { backend: 'cpu', embeddings: 'f16' }, RUN)).toBe(needed);
    // A budget of exactly what WebGPU needs: seq 512 is the longest that fits below an asked 1024, in int4 itself.
    const f = fittingSettings(c, WEBGPU, needed, { quant: 'int4', seqLen: 1024, batch: 1 });
    expect(f.seqLen).toBe(512);
    expect(fitAdvice(c, WEBGPU, needed, { quant: 'int4', seqLen: 1024, batch: 1 })).toBe('try seq 512');
    // On wasm the same budget holds less (f32 embeddings, the heap factor).
    expect(fittingSettings(c, WASM, needed, { quant: 'int4', seqLen: 1024, batch: 1 }).seqLen).toBeLessThan(512);
  });
});
