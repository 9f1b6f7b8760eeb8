/**
 * What the trainer optimizes: a set of named trainable variables and a loss over a micro-batch. LoRA training
 * trains an adapter's A/B matrices on a frozen base; full-parameter training (demo-model pretraining) passes the
 * model's own f32 variables. Both share the loss, AdamW, schedules, checkpoints and recovery.
 */
import type { tf } from '../backend/tf';
import type { LoraAdapter } from '../lora/lora-adapter';
import type { Rng } from '../util/rng';
import type { LmBatch } from './batch';
import { causalLmLossSum, type CausalLm } from './loss';

export interface TrainObjective {
  /** Trainable variables by stable name (checkpoint keys). */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Σ token NLL over the batch's labels as a scalar; `training` enables dropout. Caller owns the result. */
  lossSum(batch: LmBatch, training: boolean): tf.Scalar;
  /** Gives the objective the trainer's dropout stream (restored from checkpoints with the rest). */
  setDropoutRng(rng: Rng | null): void;
}

/** Trains `adapter` on top of the frozen `model`. */
export function loraObjective(model: CausalLm, adapter: LoraAdapter): TrainObjective {
  return {
    variables: adapter.variables(),
    lossSum(batch, training) {
      adapter.training = training;
      try {
        return causalLmLossSum(model, batch, adapter);
      } finally {
        adapter.training = false;
      }
    },
    setDropoutRng(rng) {
      adapter.setDropoutRng(rng);
    },
  };
}

/** Full-parameter training: `variables` are the weights `model` reads (no adapter, no dropout). */
export function fullObjective(model: CausalLm, variables: ReadonlyMap<string, tf.Variable>): TrainObjective {
  return {
    variables,
    lossSum: (batch) => causalLmLossSum(model, batch, null),
    setDropoutRng: () => undefined,
  };
}
