/**
 * One LoRA training run over a loaded base, as the engine worker and the CLI both start it: a fresh adapter
 * (seeded), the objective (activation checkpointing by default), a `Trainer` wired to a checkpoint store, and —
 * when the store already holds this run — the state to resume from. Browser-safe.
 */
import type { TokenizedExample } from '../data/types';
import { specsOf } from '../lora/config';
import { type LoraConfig } from '../spec/lora-config';
import { doraRowNorms } from '../lora/dora';
import { LoraAdapter } from '../lora/lora-adapter';
import type { DecoderModel } from '../model/llama';
import type { CheckpointStore } from './checkpoint';
import { loraObjective, type TrainObjective } from './objective';
import { checkPreferenceData, preferenceObjective, preferenceSpecOf } from './preference/preference-objective';
import type { TrainConfig } from '../spec/train-config';
import { seedStreams, Trainer } from './trainer';
import type { TrainerOptions } from './trainer-types';

export interface LoraRunOptions {
  model: DecoderModel;
  lora: LoraConfig;
  train: TrainConfig;
  data: { train: readonly TokenizedExample[]; eval?: readonly TokenizedExample[] };
  runId: string;
  store: CheckpointStore;
  /** Continue from the store's latest checkpoint of `runId` when there is one (default true). */
  resume?: boolean;
  /** Layer recomputation in the backward pass (default true; see checkpointed-grads.ts). */
  checkpointing?: boolean;
  /** Wraps each optimizer step (see `TrainerOptions.stepScope`). */
  stepScope?: TrainerOptions['stepScope'];
}

export interface LoraRun {
  trainer: Trainer;
  /** The adapter being trained (export it with `exportPeft` at any step boundary). */
  adapter: LoraAdapter;
  /** Step the run continues from (0 for a new run). */
  resumedAt: number;
  trainableParameters: number;
  /** Trainable share of the base's parameters. */
  trainableShare: number;
  /** Frees the trainer's optimizer state and the adapter (the base model stays). */
  dispose(): void;
}

/** SFT, or DPO/ORPO around it (same adapter and gradient path), as the train config asks. */
function objectiveFor(o: LoraRunOptions, adapter: LoraAdapter): TrainObjective {
  const sft = loraObjective(o.model, adapter, { checkpointing: o.checkpointing ?? true });
  const spec = preferenceSpecOf(o.train);
  return spec ? preferenceObjective(o.model, adapter, sft, spec) : sft;
}

/** Builds (and, when asked and possible, restores) a LoRA run. */
export async function createLoraRun(o: LoraRunOptions): Promise<LoraRun> {
  checkPreferenceData(o.train, o.data.train);
  const specs = specsOf(o.model.linears());
  const adapter = LoraAdapter.create(o.lora, specs, seedStreams(o.train.seed).init, await doraRowNorms(o.lora, specs));
  let trainer: Trainer | null = null;
  try {
    trainer = new Trainer({
      objective: objectiveFor(o, adapter),
      train: o.data.train,
      eval: o.data.eval,
      config: o.train,
      runId: o.runId,
      store: o.store,
      runConfig: { lora: o.lora },
      stepScope: o.stepScope,
    });
    const resumed = (o.resume ?? true) && (await trainer.restore());
    const t = trainer;
    return {
      trainer: t,
      adapter,
      resumedAt: resumed ? t.currentStep : 0,
      trainableParameters: adapter.parameterCount(),
      trainableShare: adapter.parameterCount() / o.model.parameterCount(),
      dispose() {
        t.dispose();
        adapter.dispose();
      },
    };
  } catch (e) {
    trainer?.dispose();
    adapter.dispose();
    throw e;
  }
}
