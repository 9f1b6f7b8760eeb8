// Generation during training, on the real LocalEngine (wasm) with the llama-tied fixture and fake-indexeddb: a
// generation asked for mid-run completes at a step boundary while the run goes on (with the base, and with the
// adapter being trained, live), one asked for while the user paused the run completes during the pause, and the
// run's losses are exactly those of the same run (same seed) without them. No tensor is left behind.
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../backend/tf';
import { InvalidRequestError } from '../../spec/errors';
import type { GenerateOutcome, GenerateParams } from '../../protocol/generate-types';
import type { EngineEvent } from '../../protocol/messages';
import type { TrainRunResult } from '../../protocol/train-types';
import type { TrainRunSpec } from '../../spec/run-spec';
import { fixtureFilesSource } from '../../test-utils/model-fixtures.node.js';
import { localEngine, prepareDataset } from '../../test-utils/channel-engine.node.js';
import type { LocalEngine } from '../local-engine';
import { tinyRunSpec } from '../../test-utils/run-spec';

const source = fixtureFilesSource('llama-tied');
const LINES = Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Q${i % 4}:`, completion: ' abcabcabc' }));
const STEPS = 16;

let engine: LocalEngine;
let datasetId = '';

/** Dropout on: a generation that drew from the run's dropout stream would change every later loss. */
const spec = (name: string): TrainRunSpec => {
  const train = { steps: STEPS, batchSize: 2, maxSeqLen: 32, seed: 3, checkpointEvery: 0 };
  return tinyRunSpec(name, datasetId, { rank: 4, alpha: 8, dropout: 0.1 }, train);
};
const ask = (use: GenerateParams['use']): GenerateParams => ({
  prompt: 'Q1:',
  maxNewTokens: 6,
  seed: 5,
  use,
  sampling: { temperature: 0.8, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 },
});

/** A generation started from inside a train event, with the run's progress when it ended. */
interface Interleaved {
  use: GenerateParams['use'];
  askedAt: number;
  done: Promise<{
    outcome: GenerateOutcome;
    tokens: number;
    stepAtEnd: number;
    runEnded: boolean;
    statusAtEnd: string;
  }>;
}

beforeAll(async () => {
  ({ engine } = await localEngine('engine-train-generate'));
  const info = await engine.request('loadModel', { source, quant: 'f32' });
  const jsonl = { name: 'abc.jsonl', blob: new Blob([LINES.join('\n') + '\n']) };
  datasetId = await prepareDataset(engine, { name: 'abc', files: [jsonl], source, tokenizerId: info.id, evalSplit: 0 });
  // Generation keeps a small cache after its first run; take it before counting tensors.
  await engine.request('generate', ask('base'));
}, 60_000);
afterAll(() => engine.dispose());

describe('generate during training', () => {
  it('runs between steps and while paused, the live adapter included; the losses are those of a run without it', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const guests: Interleaved[] = [];
    let step = 0;
    let status = 'starting';
    let ended = false;
    let runId = '';
    const start = (use: GenerateParams['use']) => {
      let tokens = 0;
      const done = engine
        .request('generate', ask(use), { onEvent: (e) => void (e.kind === 'token' && tokens++) })
        .then((outcome) => ({ outcome, tokens, stepAtEnd: step, runEnded: ended, statusAtEnd: status }));
      guests.push({ use, askedAt: step, done });
    };
    const onEvent = (e: EngineEvent) => {
      if (e.kind === 'trainStart') runId = e.runId;
      if (e.kind === 'trainStatus') {
        status = e.status;
        // Asked for while the user holds the run: it must not wait for the resume.
        if (e.status === 'paused') start('training');
      }
      if (e.kind !== 'trainStep') return;
      step = e.metrics.step;
      if (step === 3) start('base');
      if (step === 5) start('training');
      if (step === 8) void engine.request('trainControl', { runId, action: 'pause' });
    };
    const withGuests = engine.request('train', { spec: spec('with generations') }, { onEvent }).then((r) => {
      ended = true;
      return r;
    });
    // The paused generation ends while the run is still paused; then the user resumes.
    await expect.poll(() => guests.length, { timeout: 30_000 }).toBe(3);
    const paused = await guests[2].done;
    expect(paused.statusAtEnd).toBe('paused');
    expect(paused.stepAtEnd).toBe(8);
    await engine.request('trainControl', { runId, action: 'resume' });
    const a = await withGuests;

    for (const g of guests) {
      const r = await g.done;
      // Completed while the run was still going, streaming its tokens.
      expect(r.runEnded).toBe(false);
      expect(r.stepAtEnd).toBeLessThan(STEPS);
      expect(r.outcome.newTokens).toBeGreaterThan(0);
      expect(r.tokens).toBeGreaterThan(0);
    }
    // Mid-run ones at the next boundary: the step after they were asked for had not started yet.
    expect((await guests[0].done).stepAtEnd).toBe(3);
    expect((await guests[1].done).stepAtEnd).toBe(5);

    const b = await engine.request('train', { spec: spec('without generations') });
    expect(a.status).toBe('finished');
    expect(b.status).toBe('finished');
    const losses = async (r: TrainRunResult) =>
      (await engine.request('getRun', { id: r.runId })).metrics.map((p) => p.loss);
    const lossesA = await losses(a);
    expect(lossesA).toHaveLength(STEPS);
    expect(lossesA).toEqual(await losses(b));
    // Every tensor a generation or a run made was freed (the saved adapters live in IndexedDB, not on the device),
    // and one more: the transposed LM head the first generation built for decoding on wasm, which a run drops when
    // it starts and does not rebuild while it lasts (it is not in the training estimate).
    expect(tf.memory().numTensors).toBe(tensorsBefore - 1);
  }, 120_000);

  it('the live adapter is the one being trained: it differs from the base, and needs a run', async () => {
    const texts: string[] = [];
    let asked = false;
    const run = engine.request(
      'train',
      { spec: spec('live adapter') },
      {
        onEvent: (e) => {
          if (e.kind !== 'trainStep' || e.metrics.step !== STEPS - 1 || asked) return;
          asked = true;
          // Greedy, so the two differ only through the adapter.
          const greedy = (use: GenerateParams['use']) => ({
            ...ask(use),
            maxNewTokens: 12,
            sampling: { ...ask(use).sampling, temperature: 0 },
          });
          void Promise.all([
            engine.request('generate', greedy('base')),
            engine.request('generate', greedy('training')),
          ]).then((r) => texts.push(...r.map((x) => x.text)));
        },
      },
    );
    await run;
    expect(texts).toHaveLength(2);
    expect(texts[1]).not.toBe(texts[0]);
    await expect(engine.request('generate', ask('training'))).rejects.toBeInstanceOf(InvalidRequestError);
  }, 60_000);
});
