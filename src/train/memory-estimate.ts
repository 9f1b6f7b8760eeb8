/**
 * How much memory a LoRA training step needs, from the config alone, so the UI can promise a number that holds
 * (the most common QLoRA complaint is memory above what was promised). Measured as the peak of distinct live
 * tensor buffers (src/backend/memory-probe.ts) from before the base loads to the end of the step, which on WebGPU
 * is the GPU buffer bytes in use; the wasm heap holds more (see WASM_HEAP_FACTOR).
 *
 * tfjs keeps what each op saves for its gradient until the backward pass: activations dominate. One layer's tape
 * is modelled as floats per token per unit of each width (the weights of an earlier fit over many small shapes)
 * times TAPE_SCALE, plus PER_SCORE per attention score; TAPE_SCALE and PER_SCORE are refitted (issue 12) to the
 * distinct-buffer peaks of SmolLM2-135M's real widths at seq 256 and 512 (README has the table). Where the LM head
 * dominates, its HEAD_BLOCKS [chunk, vocab] blocks (head-loss.ts) hold within a few % (memory-estimate.test.ts
 * re-measures those).
 */
import type { ModelConfig } from '../model/config';
import type { QuantMode } from '../spec/modules';
import { estimateModelBytes } from '../model/memory-estimate';
import type { GroupSize } from '../quant/packed';
import { headChunkRows } from './head-loss';

/** Per layer, per token: relative floats kept per unit of each width. */
const PER_HIDDEN = 62.7;
const PER_Q = 32.8;
const PER_KV = 33.1;
const PER_INTERMEDIATE = 25.3;
/**
 * Scale of the width terms above and floats kept per attention score, in distinct buffers, the same on every
 * backend. Fitted to one checkpointed layer of SmolLM2-135M's widths on Dawn (int4, r16 all-linear): 104 MB at seq
 * 256 and 233 MB at seq 512 (bench/results/2026-12-05-webgpu-layers-smollm2-135m.json). wasm's tape used to be
 * larger (0.91 and 8.1) only because tfjs-wasm's Identity copied every tensor the tape saves; it shares them now
 * (backend/kernels/identity-wasm.ts), and the whole SmolLM2-135M step on wasm (int4/int8, seq 256/512) measures
 * within 0.3% of these coefficients' tensor estimate (bench/results/2026-12-05-wasm-memory-smollm2-135m-s8.json).
 */
const TAPE_SCALE = 0.81;
const PER_SCORE = 5.1;
/**
 * Floats per token and unit of q + kv width that the composite RoPE's tape keeps and the one-kernel RoPE's does not
 * (backend/kernels/rope-wasm.ts, on wasm): measured on one SmolLM2-wide layer (q 576, kv 192, int4, checkpointed)
 * on wasm as 2.56, 5.11 and 10.22 MB less at seq 128, 256 and 512, 19 968 bytes a token.
 */
const ONE_KERNEL_ROPE_SAVING = 6.5;
/**
 * Floats per token that the one-op LoRA path (backend/kernels/lora-delta-wasm.ts, plain LoRA on wasm) keeps less than
 * the composite, per unit of the adapted modules' output widths (q + 2·kv + 2·hidden + 2·intermediate, all-linear)
 * and, with dropout, per unit of their input widths (5·hidden + q + intermediate): the composite's scaled product,
 * mask and masked copy and what their gradients held at the peak. Measured on one checkpointed int4 layer (r16) on
 * wasm, the same at seq 256 and 512: at SmolLM2's widths 83 840 bytes a token less without dropout and 143 744 with
 * 0.05 (4.04 and 3.00 per unit), at hidden 256 / q 256 / kv 128 / intermediate 1024 50 048 and 80 768 (4.07, 3.00).
 */
const ONE_OP_LORA_SAVING_PER_OUTPUT = 4.05;
const ONE_OP_LORA_SAVING_PER_DROPPED_INPUT = 3.0;
/**
 * Floats per token and unit of hidden width that the one-op RMSNorm (backend/kernels/rms-norm-wasm.ts, on wasm: a
 * layer's two norms) keeps less than the composite, measured on one checkpointed int4 layer (r16, dropout 0.05,
 * LoRA as one op): at SmolLM2's widths 25 384 bytes a token less at seq 256 and 512 (11.0 per unit). At hidden 256
 * / intermediate 1024 it saved less, 3.5 per unit at seq 512 (the composite's temporaries set the peak at the
 * wider layer only), so at that toy width the measured tensors come out ~5% above this estimate (the composite's
 * estimate held them exactly).
 */
const ONE_OP_RMS_NORM_SAVING = 11.0;
/** [chunk, vocab] blocks alive at the LM head's peak: logits or softmax, one-hot (int and float), their difference. */
const HEAD_BLOCKS = 4;
/**
 * wasm heap ÷ distinct tensor bytes at a step's peak: the heap only grows, so freed buffers between differently
 * sized tensors and our kernels' scratch stay as heap, and it grows in steps (SmolLM2-135M's int4 and int8 steps at
 * seq 512 both ended at exactly 585 498 624 bytes). Measured with shared clones and our one-thread GEMM (no XNNPACK
 * packed copies): 1.09 (SmolLM2-135M int4, seq 256), 1.15 (int8, 256), 1.13 (int4, 512), 1.03 (int8, 512), and
 * 1.15 / 1.10 for 4-token generations (int4 / int8). 1.10 keeps every row within 7%; 1.15 put int8/512 at 0.89.
 */
export const WASM_HEAP_FACTOR = 1.1;

export interface TrainingMemoryInput {
  quant: QuantMode;
  groupSize?: GroupSize;
  /** How the base holds its embeddings (default f32; f16 = a packed head on the device, the table on the host). */
  embeddings?: 'f32' | 'f16';
  /** Trainable parameters (`LoraAdapter.parameterCount()`). */
  trainableParameters: number;
  /**
   * The backend's measure: 'wasm' promises its heap (WASM_HEAP_FACTOR); others the tensor / GPU buffer bytes.
   */
  backend?: string;
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
  /** RoPE runs as one kernel (`ropeKernelAvailable()`): default where `backend` is 'wasm'. */
  oneKernelRope?: boolean;
  /** Each LoRA module runs as one op (`loraDeltaAvailable()`, not DoRA): default where `backend` is 'wasm'. */
  oneOpLora?: boolean;
  /** RMSNorm runs as one op (`rmsNormKernelAvailable()`): default where `backend` is 'wasm'. */
  oneOpRmsNorm?: boolean;
}

export interface TrainingMemory {
  /** Frozen (quantized) base weights. */
  baseBytes: number;
  /** Trainable weights, their gradients and AdamW's two moments. */
  trainableBytes: number;
  /** Peak activations and gradients of one micro-batch. */
  activationBytes: number;
  /** What the backend will hold at the step's peak: the sum of the above, times WASM_HEAP_FACTOR on wasm. */
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
  // Each one-op kernel (RoPE, the LoRA path, RMSNorm) runs where asked, by default on wasm, where it is registered
  const oneOp = (asked: boolean | undefined) => asked ?? input.backend === 'wasm';
  const ropeSaving = oneOp(input.oneKernelRope) ? ONE_KERNEL_ROPE_SAVING * (q + kv) : 0;
  const loraSaving = oneOp(input.oneOpLora)
    ? ONE_OP_LORA_SAVING_PER_OUTPUT * (q + 2 * kv + 2 * c.hidden + 2 * c.intermediate) +
      (input.dropout ? ONE_OP_LORA_SAVING_PER_DROPPED_INPUT * (5 * c.hidden + q + c.intermediate) : 0)
    : 0;
  const normSaving = oneOp(input.oneOpRmsNorm) ? ONE_OP_RMS_NORM_SAVING * c.hidden : 0;
  const perLayer =
    TAPE_SCALE *
      tokens *
      (PER_HIDDEN * c.hidden + PER_Q * q + PER_KV * kv + PER_INTERMEDIATE * c.intermediate + dropoutPerToken) -
    tokens * (ropeSaving + loraSaving + normSaving) +
    PER_SCORE * input.batch * c.heads * input.seqLen * input.seqLen;
  const head = HEAD_BLOCKS * Math.min(labels, headChunkRows(c.vocab)) * c.vocab;
  // Checkpointing keeps one [tokens, hidden] input per layer plus the larger of one layer's tape and the LM head's
  // chunk (they are never alive together); without it every layer's tape is alive when the head runs.
  const activationFloats = input.checkpointing
    ? c.layers * tokens * c.hidden + Math.max(perLayer, head)
    : c.layers * perLayer + head;
  const activationBytes = Math.round(4 * activationFloats);
  // weights + gradient + m + v (+ the accumulation buffer)
  const trainableBytes = 4 * input.trainableParameters * (4 + ((input.gradAccum ?? 1) > 1 ? 1 : 0));
  const baseBytes = estimateModelBytes(c, input.quant, input.groupSize ?? 64, input.embeddings ?? 'f32');
  const tensors = baseBytes + trainableBytes + activationBytes;
  return {
    baseBytes,
    trainableBytes,
    activationBytes,
    totalBytes: input.backend === 'wasm' ? Math.round(WASM_HEAP_FACTOR * tensors) : tensors,
  };
}
