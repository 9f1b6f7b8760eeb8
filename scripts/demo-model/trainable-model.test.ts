// Full-parameter training pieces: gradients of the trainable model through the fused loss and the wasm kernels
// (UnsortedSegmentSum, untransposed BatchMatMul) equal the generic loss on the pure-JS cpu backend.
import { describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { parseModelConfig } from '../../src/model/config';
import { makeBatch } from '../../src/train/batch';
import { fullObjective } from '../../src/train/objective';
import { Rng } from '../../src/util/rng';
import { demoConfigJson } from './demo-config';
import { fusedFullObjective } from './fused-objective';
import { randomWindows } from './token-stream';
import { createTrainableModel } from './trainable-model';
import { registerWasmTrainingKernels } from './wasm-kernels';

const SHAPE = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 48, vocab: 64, context: 16 };

async function gradients(
  backend: 'cpu' | 'wasm',
  fused: boolean,
): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  await initNodeBackend(backend);
  if (backend === 'wasm') registerWasmTrainingKernels();
  const m = createTrainableModel(parseModelConfig(demoConfigJson(SHAPE)), 3);
  const stream = Int32Array.from({ length: 500 }, (_, i) => (i * 37 + (i >> 3)) % SHAPE.vocab);
  const batch = makeBatch(randomWindows(stream, 16, 3, new Rng(5)), { maxSeqLen: 16, bucket: 1 });
  const objective = fused ? fusedFullObjective(m.model, m.variables) : fullObjective(m.model, m.variables);
  const { value, grads } = tf.variableGrads(() => objective.lossSum(batch, true), [...m.variables.values()]);
  const out = new Map<string, Float32Array>();
  for (const [name, v] of m.variables) out.set(name, grads[v.name].dataSync() as Float32Array);
  const loss = value.dataSync()[0];
  tf.dispose([value, ...Object.values(grads)]);
  m.model.dispose();
  return { loss, grads: out };
}

describe('trainable model', () => {
  it('gets the cpu reference gradients for every weight on wasm (generic and fused loss)', async () => {
    // The generic loss goes through the engine's frozen LM head (no gradient to the tied embedding as output
    // layer); the fused objective trains it. Each is checked against itself on the pure-JS cpu backend.
    for (const fused of [false, true]) {
      const ref = await gradients('cpu', fused);
      expect(ref.grads.size).toBe(1 + 2 * 9 + 1); // embed, 2 × (7 linears + 2 norms), final norm
      const got = await gradients('wasm', fused);
      expect(got.loss).toBeCloseTo(ref.loss, 3);
      for (const [name, g] of ref.grads) {
        const h = got.grads.get(name)!;
        let diff = 0;
        let scale = 1e-12;
        for (let i = 0; i < g.length; i++) {
          diff = Math.max(diff, Math.abs(g[i] - h[i]));
          scale = Math.max(scale, Math.abs(g[i]));
        }
        expect(diff / scale, `${fused ? 'fused' : 'generic'} ${name}`).toBeLessThan(1e-4);
      }
    }
  });
});
