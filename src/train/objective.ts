/**
 * What the trainer optimizes: a set of named trainable variables and a loss over a micro-batch. LoRA training
 * trains an adapter's A/B matrices on a frozen base; full-parameter training (demo-model pretraining) passes the
 * model's own f32 variables. Both share the loss, AdamW, schedules, checkpoints and recovery.
 */
import type { tf } from '../backend/tf';
import type { LoraAdapter } from '../lora/lora-adapter';
import type { Rng } from '../util/rng';
import type { LmBatch } from './batch';
import type { PreferenceMetrics } from './preference/preference-loss';
import { checkpointedGradients, type LayerwiseLm } from './checkpointed-grads';
import { causalLmLossSum, type CausalLm } from './loss';

export interface TrainObjective {
  /** Trainable variables by stable name (checkpoint keys). */
  readonly variables: ReadonlyMap<string, tf.Variable>;
  /** Σ token NLL over the batch's labels as a scalar; `training` enables dropout. Caller owns the result. */
  lossSum(batch: LmBatch, training: boolean): tf.Scalar;
  /** Gives the objective the trainer's dropout stream (restored from checkpoints with the rest). */
  setDropoutRng(rng: Rng | null): void;
  /**
   * Optional own gradient path (activation checkpointing): Σ NLL of the batch and the gradients of Σ NLL / denom by
   * variable name (caller owns them). When absent the trainer differentiates `lossSum` on one tape.
   */
  gradients?(batch: LmBatch, denom: number): Promise<{ lossSum: number; grads: Map<string, tf.Tensor> }>;
  /**
   * What a micro-batch counts for in the step's mean (default: its label tokens, the token-mean NLL). Preference
   * objectives count 1 per micro-batch: their `lossSum` is already the micro-batch mean, as TRL averages it.
   */
  units?(batch: LmBatch): number;
  /** Extra per-step metrics (TRL's names), averaged over the micro-batches since the last call. */
  takeMetrics?(): Partial<PreferenceMetrics> | undefined;
}

export interface LoraObjectiveOptions {
  /**
   * Recompute each layer in the backward pass instead of keeping its activations (needs `model.stages`): memory
   * drops from every intermediate of every layer to one [rows, hidden] tensor per layer, for about one more
   * forward pass of compute. Same losses and gradients (up to float summation order).
   */
  checkpointing?: boolean;
}

/** Trains `adapter` on top of the frozen `model`. */
export function loraObjective(model: CausalLm, adapter: LoraAdapter, opts: LoraObjectiveOptions = {}): TrainObjective {
  let rng: Rng | null = null;
  const objective: TrainObjective = {
    variables: adapter.variables(),
    lossSum(batch, training) {
      adapter.training = training;
      try {
        return causalLmLossSum(model, batch, adapter);
      } finally {
        adapter.training = false;
      }
    },
    setDropoutRng(r) {
      rng = r;
      adapter.setDropoutRng(r);
    },
  };
  if (opts.checkpointing) {
    if (!isLayerwise(model))
      throw new Error('activation checkpointing needs a model that runs layer by layer (stages())');
    objective.gradients = async (batch, denom) => {
      adapter.training = true;
      try {
        return await checkpointedGradients(model, batch, adapter, objective.variables, denom, rng);
      } finally {
        adapter.training = false;
      }
    };
  }
  return objective;
}

function isLayerwise(model: CausalLm): model is LayerwiseLm {
  return typeof (model as Partial<LayerwiseLm>).stages === 'function';
}

/** Full-parameter training: `variables` are the weights `model` reads (no adapter, no dropout). */
export function fullObjective(model: CausalLm, variables: ReadonlyMap<string, tf.Variable>): TrainObjective {
  return {
    variables,
    lossSum: (batch) => causalLmLossSum(model, batch, null, { trainsHead: true }),
    setDropoutRng: () => undefined,
  };
}
