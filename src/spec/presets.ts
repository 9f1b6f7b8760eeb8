/**
 * The Train form's settings and its three presets (here, below the app, so the page, the CLI and the scripts share
 * them without pulling tensor code). Quick gets a visible effect in a couple of minutes on a small
 * model in the browser; balanced is one epoch at PEFT/unsloth's usual rank; thorough trains longer at a higher
 * rank with a lower learning rate. Every field stays editable; editing one turns the preset into "custom".
 */
import { DEFAULT_LORA_CONFIG, type LoraConfig } from './lora-config';
import type { SampleSettings } from './run-spec';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './train-config';

export type PresetId = 'quick' | 'balanced' | 'thorough';

/**
 * Below this many base parameters Quick trains at 3e-3 instead of 1e-3: a tiny base (the built-in demo) needs the
 * larger step to show a change within 60 steps (measured: a ship-log JSON adapter on the demo reached loss 3.3 at
 * 3e-3 and 4.9 at 1e-3), while 1e-3 is already the top of the usual LoRA range for 100M+ models.
 */
export const SMALL_BASE_PARAMETERS = 50e6;

/** Quick's learning rate for a base of `parameters` (null: no model loaded yet). */
export function quickLearningRate(parameters: number | null): number {
  return parameters !== null && parameters < SMALL_BASE_PARAMETERS ? 3e-3 : 1e-3;
}

/** Everything the form edits. */
export interface TrainForm {
  preset: PresetId | 'custom';
  name: string;
  lora: LoraConfig;
  train: TrainConfig;
  samples: SampleSettings;
}

export const PRESETS: Record<
  PresetId,
  { label: string; description: string; lora: Partial<LoraConfig>; train: Partial<TrainConfig>; sampleEvery: number }
> = {
  quick: {
    label: 'Quick',
    description:
      '60 steps of 4 × ≤192 tokens, rank 8 on every linear layer, lr 1e-3 (3e-3 on bases under 50M parameters): a visible change in minutes.',
    lora: { rank: 8, alpha: 16, dropout: 0, targets: 'all-linear' },
    train: {
      lr: 1e-3,
      schedule: 'linear',
      warmupSteps: 5,
      steps: 60,
      epochs: 1,
      batchSize: 4,
      gradAccum: 1,
      maxSeqLen: 192,
      evalEvery: 20,
      checkpointEvery: 20,
    },
    sampleEvery: 20,
  },
  balanced: {
    label: 'Balanced',
    description: 'One epoch, rank 16, cosine schedule: the usual PEFT recipe.',
    lora: { rank: 16, alpha: 32, dropout: 0.05, targets: 'all-linear' },
    train: {
      lr: 5e-4,
      schedule: 'cosine',
      warmupSteps: 10,
      steps: null,
      epochs: 1,
      batchSize: 4,
      gradAccum: 2,
      maxSeqLen: 256,
      evalEvery: 50,
      checkpointEvery: 50,
    },
    sampleEvery: 50,
  },
  thorough: {
    label: 'Thorough',
    description: 'Three epochs, rank 32, lower learning rate: slower, closest fit.',
    lora: { rank: 32, alpha: 64, dropout: 0.05, targets: 'all-linear' },
    train: {
      lr: 2e-4,
      schedule: 'cosine',
      warmupSteps: 30,
      steps: null,
      epochs: 3,
      batchSize: 4,
      gradAccum: 4,
      maxSeqLen: 512,
      evalEvery: 100,
      checkpointEvery: 100,
    },
    sampleEvery: 100,
  },
};

/** The form re-sized for a newly loaded base: an unedited preset follows the model; custom settings stay. */
export function fitPresetToBase(form: TrainForm, parameters: number): TrainForm {
  return form.preset === 'custom' ? form : applyPreset(form, form.preset, parameters);
}

/** The form with `preset` applied (name and prompts kept), sized for a base of `parameters` when known. */
export function applyPreset(form: TrainForm, preset: PresetId, parameters: number | null = null): TrainForm {
  const p = PRESETS[preset];
  const lr = preset === 'quick' ? { lr: quickLearningRate(parameters) } : {};
  return {
    ...form,
    preset,
    lora: { ...DEFAULT_LORA_CONFIG, ...form.lora, ...p.lora },
    train: { ...DEFAULT_TRAIN_CONFIG, ...form.train, ...p.train, ...lr, evalMaxExamples: 64 },
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
