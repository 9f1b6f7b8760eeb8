import type { PreferenceMetrics } from './preference/preference-loss';

/**
 * What the trainer reports after each optimizer step (streamed to the UI, printed by the CLI). DPO/ORPO runs add
 * TRL's metrics under TRL's names (`rewards/chosen`, …).
 */
export interface StepMetrics extends Partial<PreferenceMetrics> {
  /** 1-based optimizer step just completed. */
  step: number;
  /** Mean NLL per label token over the step's micro-batches. */
  loss: number;
  /** Mean NLL on the held-out split, on steps where it was computed. */
  evalLoss?: number;
  /** Learning rate used by this step. */
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Real (unpadded) tokens processed per second in this step. */
  tokensPerSec: number;
  /** Training time so far (pauses excluded, earlier sessions included). */
  elapsedMs: number;
  /** Estimated time to the last step at the average pace so far. */
  etaMs: number;
  /** Bytes held by the tensor backend (GPU memory on WebGPU), when it reports them. */
  gpuBytes?: number;
  /** Fractional epoch reached. */
  epoch: number;
}
