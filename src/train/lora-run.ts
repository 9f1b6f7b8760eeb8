/**
 * One LoRA training run over a loaded base, as the engine worker and the CLI both start it: a fresh adapter
 * (seeded), the objective (activation checkpointing by default), a `Trainer` wired to a checkpoint store, and —
 * when the store already holds this run — the state to resume from. Browser-safe.
 */
import type { TokenizedExample } from '../data/types';
import { specsOf } from '../lora/config';
import { type LoraConfig } from '../spec/lora-config';
import { LoraAdapter } from '../lora/lora-adapter';
import type { DecoderModel } from '../model/decoder-model';
import type { CheckpointStore } from './checkpoint';
import { loraObjective } from './objective';
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

/** Builds (and, when asked and possible, restores) a LoRA run. */
export async function createLoraRun(options: LoraRunOptions): Promise<LoraRun> {
  const adapter = LoraAdapter.create(options.lora, specsOf(options.model.linears()), seedStreams(options.train.seed).init);
  let trainer: Trainer | null = null;
  try {
    trainer = new Trainer({
      objective: loraObjective(options.model, adapter, { checkpointing: options.checkpointing ?? true }),
      train: options.data.train,
      eval: options.data.eval,
      config: options.train,
      runId: options.runId,
      store: options.store,
      runConfig: { lora: options.lora },
      stepScope: options.stepScope,
    });
    const resumed = (options.resume ?? true) && (await trainer.restore());
    const t = trainer;
    return {
      trainer: t,
      adapter,
      resumedAt: resumed ? t.currentStep : 0,
      trainableParameters: adapter.parameterCount(),
      trainableShare: adapter.parameterCount() / options.model.parameterCount(),
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
