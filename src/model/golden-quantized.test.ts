import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../backend/node';
import { createLinearFactory } from './linear-factory';
import {
  goldenLogProbs,
  goldenQuantizedLogProbs,
  modelFixtureFiles,
  QUANT_GOLDEN_FIXTURES,
} from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff, meanAbsDiff } from '../test-utils/tolerance';
import { loadModel } from './load';
import { estimateModelBytes } from './memory-estimate';

/**
 * Quantized scoring end to end: the model loaded through src/quant's packed Linears must reproduce PyTorch run on
 * the same fake-quantized weights (checks packing, layout and kernels inside the real forward), and its distance to
 * the f32 golden is the quantization error we document:
 * measured mean |Δ log-prob| over these fixtures (group 64): int8 0.033–0.060, int4 0.52–0.90, nf4 0.60–1.07.
 * These random 2-layer models have sharp logits (std ≈ 4), which makes them harsher than real checkpoints.
 */
const DEGRADATION_BOUND = { int8: 0.08, int4: 1.2, nf4: 1.4 } as const;

beforeAll(async () => {
  await initNodeBackend('wasm');
});

describe('quantized log-probs (wasm, group 64)', () => {
  for (const name of QUANT_GOLDEN_FIXTURES) {
    for (const mode of ['int8', 'int4', 'nf4'] as const) {
      it(`${name} ${mode}: matches PyTorch on the same quantized weights`, async () => {
        const model = await loadModel(modelFixtureFiles(name), {
          linearFactory: createLinearFactory(mode, { groupSize: 64 }),
        });
        const exact = goldenLogProbs(name);
        let degradation = 0;
        for (const [i, seq] of goldenQuantizedLogProbs(name, mode).entries()) {
          const lp = await model.logProbs(seq.ids);
          expect(maxAbsDiff(lp, seq.logprobs)).toBeLessThan(1e-4); // measured ≤ 9e-6
          degradation += meanAbsDiff(lp, exact[i].logprobs) / exact.length;
        }
        expect(degradation).toBeLessThan(DEGRADATION_BOUND[mode]);
        // The config-only estimate (inspect, UI) is exactly what the packed model holds.
        expect(estimateModelBytes(model.config, mode, 64)).toBe(model.byteSize());
        model.dispose();
      });
    }
  }
});
