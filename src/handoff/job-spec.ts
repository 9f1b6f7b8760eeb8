/**
 * What a cluster hand-off carries: the exact settings of a studio run, in our own vocabulary, before they are
 * mapped onto axolotl's or TRL's. Plain JSON, tensor-free, so the studio, the worker and the CLI build it alike.
 */
import type { LoraConfig } from '../spec/lora-config';
import type { TextTokenizer } from '../tokenizer/types';
import type { QuantMode } from '../spec/modules';
import type { TrainConfig } from '../spec/train-config';

/** Supervised fine-tuning, or preference tuning against the adapter-off base (DPO) or without a reference (ORPO). */
export type TrainMethod = 'sft' | 'dpo' | 'orpo';

/** Preference-tuning settings (TRL's names: β, and the DPO loss variant). */
export interface PreferenceSettings {
  beta: number;
  loss: 'sigmoid' | 'ipo';
}

/** How records were turned into text for training. */
export interface RenderSettings {
  /** `'chat'` for the model's chat template, else a prompt template with `{system}`, `{prompt}`, `{input}`. */
  template: string;
  /** Loss on completions / assistant turns only. */
  completionOnly: boolean;
  /** Several examples packed into one row of `maxSeqLen` tokens. */
  pack: boolean;
  /** Fraction (< 1) or count (≥ 1) of records held out for evaluation. */
  evalSplit: number;
}

/** Special-token text the base's tokenizer uses (from `tokenizer_config.json`), where known. */
export interface TokenMarkers {
  bos?: string;
  eos?: string;
  /** Whether the tokenizer puts `bos` before every sequence (Llama: yes; Qwen: no). */
  addBos?: boolean;
}

/** One training run, as handed to a cluster. */
export interface HandoffSpec {
  /** Ties the adapter the cluster returns to this run. */
  runId: string;
  /** Hugging Face id of the base; null when unknown (the job then refuses to launch until it is filled in). */
  modelId: string | null;
  lora: LoraConfig;
  /** DoRA (PEFT `use_dora`). */
  dora: boolean;
  /** LoRA+: learning rate of B = ratio × that of A; null = plain LoRA. */
  loraPlusRatio: number | null;
  train: TrainConfig;
  quant: QuantMode;
  /** Activation (gradient) checkpointing. */
  checkpointing: boolean;
  method: TrainMethod;
  preference: PreferenceSettings;
  render: RenderSettings;
  markers: TokenMarkers;
}

/** The special-token text `tok` uses: BOS, the first EOS, and whether BOS starts every encoded sequence. */
export function tokenMarkers(tok: TextTokenizer): TokenMarkers {
  const text = (id: number) => tok.decode([id], { skipSpecialTokens: false });
  return {
    bos: tok.bosTokenId !== null ? text(tok.bosTokenId) : undefined,
    eos: tok.eosTokenIds.length ? text(tok.eosTokenIds[0]) : undefined,
    addBos: tok.bosTokenId !== null && tok.encode('a')[0] === tok.bosTokenId,
  };
}

/** The placeholder written where the hub id is unknown; `launch.sh` and `train_trl.py` refuse to run with it. */
export const MODEL_ID_PLACEHOLDER = 'REPLACE_WITH_HF_MODEL_ID';

/** The schedule as transformers names it: a constant rate after warmup is `constant_with_warmup` there. */
export function hfScheduler(t: TrainConfig): string {
  return t.schedule === 'constant' && t.warmupSteps > 0 ? 'constant_with_warmup' : t.schedule;
}

/**
 * Warmup, AdamW, clipping and seed under their transformers `TrainingArguments` names, which axolotl passes through
 * as they are: one mapping for both job files.
 */
export function optimizerArguments(t: TrainConfig): Record<string, number> {
  return {
    warmup_steps: t.warmupSteps,
    weight_decay: t.adamw.weightDecay,
    adam_beta1: t.adamw.beta1,
    adam_beta2: t.adamw.beta2,
    adam_epsilon: t.adamw.eps,
    max_grad_norm: t.maxGradNorm,
    seed: t.seed,
  };
}
