/**
 * The Train form's settings and its three presets. Quick gets a visible effect in a couple of minutes on a small
 * model in the browser; balanced is one epoch at PEFT/unsloth's usual rank; thorough trains longer at a higher
 * rank with a lower learning rate. Every field stays editable; editing one turns the preset into "custom".
 */
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../../src/lora/config';
import type { SampleSettings } from '../../src/protocol/train-types';
import type { TrainConfig } from '../../src/train/train-config';

/**
 * src/train's DEFAULT_TRAIN_CONFIG, restated: importing its value would pull tfjs (through adamw.ts) into the page,
 * which never runs tensor code. The engine validates whatever the form sends.
 */
const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  lr: 2e-4, schedule: 'cosine', warmupSteps: 0, steps: null, epochs: 1, batchSize: 1, gradAccum: 1, maxSeqLen: 512, bucket: 16,
  maxGradNorm: 1, adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }, evalEvery: 0, evalMaxExamples: 0, checkpointEvery: 0,
  seed: 0, onNonFinite: 'stop',
};

export type PresetId = 'quick' | 'balanced' | 'thorough';

/** Everything the form edits. */
export interface TrainForm {
  preset: PresetId | 'custom';
  name: string;
  lora: LoraConfig;
  train: TrainConfig;
  samples: SampleSettings;
}

export const PRESETS: Record<PresetId, { label: string; description: string; lora: Partial<LoraConfig>; train: Partial<TrainConfig>; sampleEvery: number }> = {
  quick: {
    label: 'Quick',
    description: '60 steps of 4 × ≤192 tokens, rank 8 on every linear layer: a visible change in minutes.',
    lora: { rank: 8, alpha: 16, dropout: 0, targets: 'all-linear' },
    train: { lr: 1e-3, schedule: 'linear', warmupSteps: 5, steps: 60, epochs: 1, batchSize: 4, gradAccum: 1, maxSeqLen: 192, evalEvery: 20, checkpointEvery: 20 },
    sampleEvery: 20,
  },
  balanced: {
    label: 'Balanced',
    description: 'One epoch, rank 16, cosine schedule: the usual PEFT recipe.',
    lora: { rank: 16, alpha: 32, dropout: 0.05, targets: 'all-linear' },
    train: { lr: 5e-4, schedule: 'cosine', warmupSteps: 10, steps: null, epochs: 1, batchSize: 4, gradAccum: 2, maxSeqLen: 256, evalEvery: 50, checkpointEvery: 50 },
    sampleEvery: 50,
  },
  thorough: {
    label: 'Thorough',
    description: 'Three epochs, rank 32, lower learning rate: slower, closest fit.',
    lora: { rank: 32, alpha: 64, dropout: 0.05, targets: 'all-linear' },
    train: { lr: 2e-4, schedule: 'cosine', warmupSteps: 30, steps: null, epochs: 3, batchSize: 4, gradAccum: 4, maxSeqLen: 512, evalEvery: 100, checkpointEvery: 100 },
    sampleEvery: 100,
  },
};

/** The form with `preset` applied (name and prompts kept). */
export function applyPreset(form: TrainForm, preset: PresetId): TrainForm {
  const p = PRESETS[preset];
  return {
    ...form,
    preset,
    lora: { ...DEFAULT_LORA_CONFIG, ...form.lora, ...p.lora },
    train: { ...DEFAULT_TRAIN_CONFIG, ...form.train, ...p.train, evalMaxExamples: 64 },
    samples: { ...form.samples, every: p.sampleEvery },
  };
}

export const DEFAULT_TRAIN_FORM: TrainForm = applyPreset(
  {
    preset: 'quick',
    name: '',
    lora: DEFAULT_LORA_CONFIG,
    train: DEFAULT_TRAIN_CONFIG,
    samples: { prompts: ['The sea'], every: 20, maxNewTokens: 32, temperature: 0, seed: 0 },
  },
  'quick',
);
