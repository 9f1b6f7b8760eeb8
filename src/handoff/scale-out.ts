/**
 * "Should this run go to a cluster?": the time a run takes here (tokens ÷ the throughput measured on this device)
 * beside the time on typical data-centre and desktop GPUs (FLOPs ÷ a realistic share of their peak).
 *
 * FLOPs per trained token on a frozen base with LoRA: 2·N forward, 2·N for the input gradients (the frozen weights
 * need no weight gradient), and 2·N more when layers are recomputed in the backward (activation checkpointing);
 * the low-rank matrices and attention scores add a few percent, left out. N counts every matmul weight, the LM
 * head included.
 */

/** A GPU people rent or own, with its dense bf16 tensor peak (fp32 accumulate), per the vendor's datasheet. */
export interface GpuProfile {
  name: string;
  count: number;
  peakTflops: number;
  memoryGiB: number;
}

export const TYPICAL_GPUS: readonly GpuProfile[] = [
  { name: 'RTX 4090', count: 1, peakTflops: 82.6, memoryGiB: 24 },
  { name: 'L4', count: 1, peakTflops: 121, memoryGiB: 24 },
  { name: 'A100 80GB', count: 1, peakTflops: 312, memoryGiB: 80 },
  { name: 'H100 SXM', count: 1, peakTflops: 989, memoryGiB: 80 },
  { name: 'H100 SXM', count: 8, peakTflops: 989, memoryGiB: 80 },
];

/**
 * Share of peak a LoRA fine-tune reaches (model FLOPs utilisation). Published LoRA/QLoRA runs of 1–8B models sit
 * around 30–45% with packing; small models and short sequences do worse, so this is on the hopeful side for them.
 */
export const ASSUMED_MFU = 0.35;
/** Multi-GPU data parallelism loses some of the linear speed-up to gradient all-reduce. */
const SCALING_EFFICIENCY = 0.9;
/** Above this many hours here, and at least this many times faster there, the studio suggests the hand-off. */
export const SUGGEST_AFTER_HOURS = 2;
const SUGGEST_SPEEDUP = 10;

export interface ScaleOutInput {
  /** Matmul parameters of the base (the LM head included). */
  parameters: number;
  /** Tokens the run trains on (steps × batch × accumulation × mean tokens per example). */
  trainTokens: number;
  checkpointing: boolean;
  /** Training throughput measured on this device, tokens/s; null when no run has measured it yet. */
  measuredTokensPerSec: number | null;
}

export interface ScaleOutEstimate {
  flops: number;
  /** Seconds here, or null when not measured. */
  deviceSeconds: number | null;
  gpus: { label: string; seconds: number }[];
  /** True when the run is long here and much faster on a GPU. */
  suggest: boolean;
}

/** FLOPs of training `tokens` tokens with LoRA on a frozen base of `parameters`. */
export function loraTrainFlops(parameters: number, tokens: number, checkpointing: boolean): number {
  return (checkpointing ? 6 : 4) * parameters * tokens;
}

export function scaleOutEstimate(input: ScaleOutInput): ScaleOutEstimate {
  const flops = loraTrainFlops(input.parameters, input.trainTokens, input.checkpointing);
  const rate = input.measuredTokensPerSec;
  const deviceSeconds = rate !== null && rate > 0 ? input.trainTokens / rate : null;
  const gpus = TYPICAL_GPUS.map((g) => {
    const perSecond = g.peakTflops * 1e12 * ASSUMED_MFU * g.count * (g.count > 1 ? SCALING_EFFICIENCY : 1);
    return { label: g.count > 1 ? `${g.count}× ${g.name}` : g.name, seconds: flops / perSecond };
  });
  const fastestSingle = Math.min(...gpus.filter((_, i) => TYPICAL_GPUS[i].count === 1).map((g) => g.seconds));
  const suggest =
    deviceSeconds !== null &&
    deviceSeconds > SUGGEST_AFTER_HOURS * 3600 &&
    deviceSeconds > SUGGEST_SPEEDUP * fastestSingle;
  return { flops, deviceSeconds, gpus, suggest };
}
