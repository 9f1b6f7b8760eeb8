/**
 * The memory a LoRA run will need, as the studio shows it before training (`estimateTraining`) and the CLI's
 * `train` prints in its summary line: one function, so both promise the same number for the same settings.
 */
import { isTargeted, moduleSettings } from '../lora/config';
import { type LoraConfig } from '../spec/lora-config';
import type { ModelConfig } from '../model/config';
import type { QuantMode } from '../spec/modules';
import type { GroupSize } from '../quant/packed';
import { estimateTrainingMemory, type TrainingMemory } from './memory-estimate';
import type { TrainConfig } from '../spec/train-config';

/** What the estimate needs from a loaded base: its config and its projections' sizes by module path. */
export interface EstimatedBase {
  readonly config: ModelConfig;
  linears(): ReadonlyMap<string, { readonly inFeatures: number; readonly outFeatures: number }>;
}

/** LoRA parameters and adapted modules of `lora` on `base`. */
export function loraTrainable(base: EstimatedBase, lora: LoraConfig): { parameters: number; modules: number } {
  let parameters = 0;
  let modules = 0;
  for (const [path, lin] of base.linears()) {
    if (!isTargeted(lora, path)) continue;
    parameters +=
      moduleSettings(lora, path).rank * (lin.inFeatures + lin.outFeatures) + (lora.useDora ? lin.outFeatures : 0); // + DoRA magnitude
    modules += 1;
  }
  return { parameters, modules };
}

/** Lengths of the sequences an example holds: its own, or each side of a preference pair (segments 1 and 2). */
export function sequenceLengths(e: { ids: ArrayLike<number>; segmentIds?: Int32Array }): number[] {
  const at = e.segmentIds ? e.segmentIds.indexOf(2) : -1;
  return at > 0 ? [at, e.ids.length - at] : [e.ids.length];
}

/**
 * Padded length of the longest micro-batch: the longest example (`maxSeqLen` without data) rounded up to the
 * length bucket, never above `maxSeqLen`.
 */
export function estimatedSeqLen(
  train: Pick<TrainConfig, 'maxSeqLen' | 'bucket'>,
  longestExample: number | null,
): number {
  const longest = longestExample ?? train.maxSeqLen;
  return Math.min(
    Math.ceil(Math.min(longest, train.maxSeqLen) / train.bucket) * train.bucket,
    Math.max(train.maxSeqLen, 1),
  );
}

export interface RunEstimateInput {
  quant: QuantMode;
  groupSize?: GroupSize;
  /** How the base holds its embeddings (`loadModel`'s option; the studio uses f16 on WebGPU). */
  embeddings: 'f32' | 'f16';
  train: Pick<TrainConfig, 'batchSize' | 'gradAccum' | 'maxSeqLen' | 'bucket' | 'method'>;
  /** Longest tokenized training example; null = `maxSeqLen`. */
  longestExample: number | null;
  /** Activation checkpointing (the default of every run). */
  checkpointing: boolean;
  /** The backend the run computes on ('wasm' promises heap bytes, see `estimateTrainingMemory`). */
  backend: string;
  /** RoPE as one kernel (default: on wasm), see `estimateTrainingMemory`. */
  oneKernelRope?: boolean;
  /** Each LoRA module as one op (default: on wasm; never for DoRA), see `estimateTrainingMemory`. */
  oneOpLora?: boolean;
  /** RMSNorm as one op (default: on wasm), see `estimateTrainingMemory`. */
  oneOpRmsNorm?: boolean;
}

/** Peak memory of one training step of `lora` on `base` with these settings. */
export function estimateRunMemory(
  base: EstimatedBase,
  lora: LoraConfig,
  o: RunEstimateInput,
): { memory: TrainingMemory; seqLen: number; trainableParameters: number } {
  const trainable = loraTrainable(base, lora).parameters;
  const seqLen = estimatedSeqLen(o.train, o.longestExample);
  const memory = estimateTrainingMemory(base.config, {
    quant: o.quant,
    groupSize: o.groupSize,
    embeddings: o.embeddings,
    trainableParameters: trainable,
    // A preference pair is two rows (chosen, rejected). The reference pass runs untaped before the gradient pass, so
    // it does not add to the step's peak; its cache holds 4 bytes per sequence.
    batch: o.train.method === 'dpo' || o.train.method === 'orpo' ? 2 * o.train.batchSize : o.train.batchSize,
    seqLen,
    gradAccum: o.train.gradAccum,
    checkpointing: o.checkpointing,
    dropout: lora.dropout > 0,
    backend: o.backend,
    oneKernelRope: o.oneKernelRope,
    oneOpLora: lora.useDora ? false : o.oneOpLora,
    oneOpRmsNorm: o.oneOpRmsNorm,
  });
  return { memory, seqLen, trainableParameters: trainable };
}
