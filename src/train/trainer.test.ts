import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../backend/tf';
import type { TokenizedExample } from '../data/types';
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import type { DecoderModel } from '../model/llama';
import { decodeCheckpoint, encodeCheckpoint, MemoryCheckpointStore } from './checkpoint';
import { FileCheckpointStore } from './checkpoint-store.node.js';
import { loraObjective, type TrainObjective } from './objective';
import { cpuTinyModel, linearSpecs, tinyConfig } from './testing/tiny-model';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../spec/train-config';
import { seedStreams, Trainer, type TrainerEvent } from './trainer';

const config = tinyConfig();
let model: DecoderModel;

beforeAll(async () => {
  model = await cpuTinyModel(config, 11);
});
afterAll(() => model.dispose());

/** 20 short "prompt → completion" sequences: the first 3 tokens are prompt (masked), the rest carry loss. */
function dataset(n = 20): TokenizedExample[] {
  return Array.from({ length: n }, (_, i) => {
    const len = 6 + (i % 4);
    const ids = Int32Array.from({ length: len }, (_, t) => (i * 7 + t * ((i % 5) + 1) + 3) % config.vocab);
    const lossMask = Uint8Array.from({ length: len }, (_, t) => (t >= 3 ? 1 : 0));
    return { ids, lossMask };
  });
}

const LORA: LoraConfig = { ...DEFAULT_LORA_CONFIG, rank: 4, alpha: 8, dropout: 0.1 };
const TRAIN: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  lr: 1e-2,
  schedule: 'constant',
  batchSize: 4,
  maxSeqLen: 32,
  bucket: 8,
  steps: 6,
  seed: 5,
};

function setup(
  train: Partial<TrainConfig> = {},
  extra: {
    store?: MemoryCheckpointStore;
    objective?: (o: TrainObjective) => TrainObjective;
    evalSet?: TokenizedExample[];
  } = {},
) {
  const cfg = { ...TRAIN, ...train };
  const adapter = LoraAdapter.create(LORA, linearSpecs(config), seedStreams(cfg.seed).init);
  const base = loraObjective(model, adapter);
  const objective = extra.objective ? extra.objective(base) : base;
  const trainer = new Trainer({
    objective,
    train: dataset(),
    eval: extra.evalSet,
    config: cfg,
    runId: 'run1',
    store: extra.store,
    runConfig: LORA,
  });
  const dispose = () => {
    trainer.dispose();
    adapter.dispose();
  };
  return { adapter, trainer, dispose };
}

/** An objective wrapper whose `n`-th loss (1-based, counting micro-batches) is multiplied by `factor` (NaN, ∞). */
function poisonedAt(n: number, factor: number): (o: TrainObjective) => TrainObjective {
  let calls = 0;
  return (o) => ({
    ...o,
    lossSum(batch, training) {
      const loss = o.lossSum(batch, training);
      return ++calls === n ? (tf.tidy(() => loss.mul(factor)) as tf.Scalar) : loss;
    },
  });
}

describe('Trainer', () => {
  it('same seed and backend → identical loss curve; a different seed differs', async () => {
    const curve = async (seed: number) => {
      const { trainer, dispose } = setup({ seed });
      const r = await trainer.run();
      dispose();
      return r.metrics.map((m) => m.loss);
    };
    const a = await curve(5);
    const b = await curve(5);
    const c = await curve(6);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('resume from a checkpoint continues the loss curve bit-exactly (6 steps = 3 + checkpoint + 3)', async () => {
    const full = setup();
    const whole = (await full.trainer.run()).metrics.map((m) => m.loss);
    full.dispose();

    const store = new MemoryCheckpointStore();
    const first = setup({ steps: 6 }, { store });
    first.trainer.on((e) => {
      if (e.type === 'step' && e.metrics.step === 3) first.trainer.stop();
    });
    const r1 = await first.trainer.run();
    expect(r1.status).toBe('stopped');
    expect(r1.step).toBe(3);
    first.dispose();

    // A fresh process: new adapter (different init is overwritten), new trainer, state from the store.
    const second = setup({ seed: 5 }, { store });
    expect(await second.trainer.restore()).toBe(true);
    const r2 = await second.trainer.run();
    second.dispose();
    expect(r2.status).toBe('finished');
    expect(r2.metrics.map((m) => m.loss)).toEqual(whole);
  });

  it('pauses at a step boundary with a checkpoint, then resumes', async () => {
    const store = new MemoryCheckpointStore();
    const { trainer, dispose } = setup({ steps: 4 }, { store });
    const events: TrainerEvent[] = [];
    trainer.on((e) => {
      events.push(e);
      if (e.type === 'step' && e.metrics.step === 2) trainer.pause();
      if (e.type === 'status' && e.status === 'paused') setTimeout(() => trainer.resume(), 5);
    });
    const r = await trainer.run();
    expect(r.status).toBe('finished');
    const kinds = events.map((e) =>
      e.type === 'status' ? e.status : e.type === 'checkpoint' ? `cp${e.step}` : e.type,
    );
    expect(kinds).toEqual(['running', 'step', 'step', 'cp2', 'paused', 'running', 'step', 'step', 'cp4', 'finished']);
    expect((await store.loadLatest('run1'))!.step).toBe(4);
    dispose();
  });

  it('NaN loss rolls back to the last good checkpoint and stops with a clear message', async () => {
    // Steps 1–3 are fine; the first micro-batch of step 4 yields NaN.
    const poison = poisonedAt(4, NaN);
    const { trainer, adapter, dispose } = setup({ steps: 6, checkpointEvery: 2 }, { objective: poison });
    const events: TrainerEvent[] = [];
    trainer.on((e) => events.push(e));
    const r = await trainer.run();
    expect(r.status).toBe('diverged');
    expect(r.step).toBe(2);
    expect(r.message).toMatch(/step 4: loss NaN.*rolled back to the last good checkpoint \(step 2\)/);
    expect(events.some((e) => e.type === 'rollback' && e.fromStep === 4 && e.toStep === 2)).toBe(true);
    // The weights are those of step 2 (finite), not the poisoned ones.
    for (const w of (await adapter.weights()).values()) expect(w.loraB.every(Number.isFinite)).toBe(true);
    dispose();
  });

  it('retry-at-half-LR rolls back and carries on', async () => {
    const poison = poisonedAt(3, Infinity);
    const { trainer, dispose } = setup({ steps: 4, onNonFinite: 'retry-half-lr' }, { objective: poison });
    const r = await trainer.run();
    expect(r.status).toBe('finished');
    expect(r.metrics.map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(r.metrics[3].lr).toBeCloseTo(TRAIN.lr / 2, 12);
    dispose();
  });

  it('a backend failure mid-step ends the run as failed; a new trainer resumes from the stored checkpoint', async () => {
    let calls = 0;
    const lose = (o: TrainObjective): TrainObjective => ({
      ...o,
      lossSum(batch, training) {
        if (++calls === 4) throw new Error('GPU device was lost');
        return o.lossSum(batch, training);
      },
    });
    const store = new MemoryCheckpointStore();
    const broken = setup({ steps: 6, checkpointEvery: 2 }, { store, objective: lose });
    const r = await broken.trainer.run();
    broken.dispose();
    expect(r.status).toBe('failed');
    expect(r.message).toMatch(/step 4: GPU device was lost\. The run can resume from its checkpoint at step 2/);
    const again = setup({ steps: 6, checkpointEvery: 2 }, { store });
    expect(await again.trainer.restore()).toBe(true);
    expect(again.trainer.currentStep).toBe(2);
    const done = await again.trainer.run();
    again.dispose();
    const whole = setup({ steps: 6 });
    const ref = await whole.trainer.run();
    whole.dispose();
    expect(done.metrics.map((m) => m.loss)).toEqual(ref.metrics.map((m) => m.loss));
  });

  it('does not grow tensor memory per step, reports eval loss and metrics', async () => {
    const { trainer, dispose } = setup({ steps: 6, gradAccum: 2, evalEvery: 3 }, { evalSet: dataset(5) });
    const counts: number[] = [];
    trainer.on((e) => e.type === 'step' && counts.push(tf.memory().numTensors));
    const r = await trainer.run();
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(r.metrics[2].evalLoss).toBeGreaterThan(0);
    expect(r.metrics[0].evalLoss).toBeUndefined();
    const m = r.metrics[5];
    expect(m.evalLoss).toBeGreaterThan(0);
    expect(m.tokensPerSec).toBeGreaterThan(0);
    expect(m.etaMs).toBe(0);
    expect(m.gradNorm).toBeGreaterThan(0);
    dispose();
  });

  it('checkpoints round-trip through bytes and the atomic file store', async () => {
    const { trainer, dispose } = setup({ steps: 2 });
    await trainer.run();
    const cp = await trainer.snapshot();
    const back = await decodeCheckpoint(encodeCheckpoint(cp));
    expect(back).toEqual(cp);
    const dir = await mkdtemp(path.join(tmpdir(), 'ckpt-'));
    const store = new FileCheckpointStore(dir);
    expect(await store.loadLatest('r')).toBeNull();
    await store.save('r', cp);
    expect(await store.loadLatest('r')).toEqual(cp);
    await rm(dir, { recursive: true });
    dispose();
  });
});
