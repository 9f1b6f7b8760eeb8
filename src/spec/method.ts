/**
 * How a run learns (issue 19): the objective and its settings' vocabulary. Tensor-free (no imports) so the page's
 * Train form can use it without pulling tfjs; `TrainConfig` carries the values.
 */

/** Supervised fine-tuning, or preference tuning on (chosen, rejected) pairs. */
export type TrainMethod = 'sft' | 'dpo' | 'orpo';
/** DPO's loss: 'sigmoid' (the DPO paper) or 'ipo' (https://arxiv.org/abs/2310.12036). */
export type PreferenceLoss = 'sigmoid' | 'ipo';
export const TRAIN_METHODS: readonly TrainMethod[] = ['sft', 'dpo', 'orpo'];
export const PREFERENCE_LOSSES: readonly PreferenceLoss[] = ['sigmoid', 'ipo'];
/** TRL's default β (DPOConfig.beta, ORPOConfig.beta). */
export const DEFAULT_BETA = 0.1;
