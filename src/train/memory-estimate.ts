/**
 * How much memory a LoRA training step needs, from the config alone, so the UI can promise a number that holds
 * (the most common QLoRA complaint is memory above what was promised). tfjs keeps every intermediate tensor of the
 * forward pass on the gradient tape, so activations dominate: the coefficients below are bytes/4 per element,
 * fitted by least squares to `tf.profile` peak bytes of real steps (all-linear LoRA, f32 activations) over shapes
 * varying hidden, q/kv widths, intermediate, heads, layers, sequence, batch and vocabulary; held-out shapes land
 * within ±2% (see memory-estimate.test.ts, which re-measures one); see MARGIN for real widths.
 */
import type { ModelConfig } from '../model/config';
import type { QuantMode } from '../spec/modules';
import { estimateModelBytes } from '../model/memory-estimate';
import type { GroupSize } from '../quant/packed';
import { headChunkRows } from './head-loss';

/** Per layer, per token: floats kept per unit of each width. */
const PER_HIDDEN = 62.7;
const PER_Q = 32.8;
const PER_KV = 33.1;
const PER_INTERMEDIATE = 25.3;
/** Per layer, per attention score element (batch × heads × seq × seq). */
const PER_SCORE = 11.0;
/** Per label token, per vocabulary entry: logits on the tape, softmax − one-hot in the backward (loss.ts). */
const PER_LABEL_VOCAB = 8.0;
/**
 * Per vocabulary entry × hidden, taped passes only: a head-sized transient of the logits matMul's gradient. The
 * chunked head of a checkpointed pass does not show it in measurements (wasm, 32k vocabulary).
 */
const PER_VOCAB_HIDDEN = 1.0;
/**
 * The fit is exact on the small shapes it came from and runs 13–16% low at real widths (576 hidden, 1536
 * intermediate: measured on wasm and cpu); a promise must not be exceeded, so activations carry this margin.
 */
const MARGIN = 1.15;

export interface TrainingMemoryInput {
  quant: QuantMode;
  groupSize?: GroupSize;
  /** How the base holds its embeddings (default f32; f16 = a packed head on the device, the table on the host). */
  embeddings?: 'f32' | 'f16';
  /** Trainable parameters (`LoraAdapter.parameterCount()`). */
  trainableParameters: number;
  /** Rows per micro-batch. */
  batch: number;
  /** Padded sequence length of a micro-batch. */
  seqLen: number;
  /** Label tokens per micro-batch; default every position (batch × (seqLen − 1)). */
  labelTokens?: number;
  /** Gradient accumulation > 1 keeps one more gradient-sized buffer. */
  gradAccum?: number;
  /** Activation checkpointing (layer recomputation, `loraObjective(..., { checkpointing: true })`). */
  checkpointing?: boolean;
  /** LoRA dropout > 0: every adapted module keeps a mask and a masked copy of its input. */
  dropout?: boolean;
}

export interface TrainingMemory {
  /** Frozen (quantized) base weights. */
  baseBytes: number;
  /** Trainable weights, their gradients and AdamW's two moments. */
  trainableBytes: number;
  /** Peak activations and gradients of one micro-batch. */
  activationBytes: number;
  totalBytes: number;
}

/** Estimated peak memory of one training step. */
export function estimateTrainingMemory(c: ModelConfig, input: TrainingMemoryInput): TrainingMemory {
  const tokens = input.batch * input.seqLen;
  const labels = input.labelTokens ?? input.batch * Math.max(0, input.seqLen - 1);
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  // Dropout on all-linear targets: mask + masked input for q,k,v,gate,up (hidden wide), o (q wide), down (intermediate).
  const dropoutPerToken = input.dropout ? 2 * (5 * c.hidden + q + c.intermediate) : 0;
  const perLayer = tokens * (PER_HIDDEN * c.hidden + PER_Q * q + PER_KV * kv + PER_INTERMEDIATE * c.intermediate + dropoutPerToken) +
    PER_SCORE * input.batch * c.heads * input.seqLen * input.seqLen;
  // Checkpointing keeps one [tokens, hidden] input per layer plus the larger of one layer's tape and one LM-head
  // chunk of labels (they are never alive together).
  const activationFloats = MARGIN * (input.checkpointing
    ? c.layers * tokens * c.hidden + Math.max(perLayer, PER_LABEL_VOCAB * Math.min(labels, headChunkRows(c.vocab)) * c.vocab)
    : c.layers * perLayer + PER_LABEL_VOCAB * labels * c.vocab + PER_VOCAB_HIDDEN * c.vocab * c.hidden);
  const activationBytes = Math.round(4 * activationFloats);
  // weights + gradient + m + v (+ the accumulation buffer)
  const trainableBytes = 4 * input.trainableParameters * (4 + ((input.gradAccum ?? 1) > 1 ? 1 : 0));
  const baseBytes = estimateModelBytes(c, input.quant, input.groupSize ?? 64, input.embeddings ?? 'f32');
  return { baseBytes, trainableBytes, activationBytes, totalBytes: baseBytes + trainableBytes + activationBytes };
}
