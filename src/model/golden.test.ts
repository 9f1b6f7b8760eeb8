import { afterAll, describe, expect, it } from 'vitest';
import { initNodeBackend, type NodeBackendName } from '../backend/node';
import { tf } from '../backend/tf';
import { goldenLogProbs, MODEL_FIXTURES, modelFixtureFiles } from '../test-utils/model-fixtures.node.js';
import { maxAbsDiff } from '../test-utils/tolerance';
import { loadModel } from './load';

// Golden values come from the float64 PyTorch reference in scripts/fixtures/make_model_fixtures.py.
for (const backend of ['wasm', 'cpu'] as NodeBackendName[]) {
  describe(`golden log-probs (${backend})`, () => {
    afterAll(() => undefined);
    for (const name of MODEL_FIXTURES) {
      it(`${name} matches PyTorch within 1e-4`, async () => {
        expect(await initNodeBackend(backend)).toBe(backend);
        const before = tf.memory().numTensors;
        const model = await loadModel(modelFixtureFiles(name));
        for (const seq of goldenLogProbs(name)) {
          const lp = await model.logProbs(seq.ids);
          expect(maxAbsDiff(lp, seq.logprobs)).toBeLessThan(1e-4);
        }
        model.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
}
