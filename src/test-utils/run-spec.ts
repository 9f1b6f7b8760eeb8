/** Training run specs for engine tests: small, deterministic runs on the tiny fixtures. */
import { DEFAULT_LORA_CONFIG, type LoraConfig } from '../spec/lora-config';
import type { SampleSettings, TrainRunSpec } from '../spec/run-spec';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../spec/train-config';

/**
 * A run of `datasetId` at a constant learning rate of 1e-2 (so a few steps move the loss) with no sample prompts;
 * `lora`, `train` and `samples` override the defaults.
 */
export function tinyRunSpec(
  name: string,
  datasetId: string,
  lora: Partial<LoraConfig>,
  train: Partial<TrainConfig>,
  samples: Partial<SampleSettings> = {},
): TrainRunSpec {
  return {
    name,
    datasetId,
    lora: { ...DEFAULT_LORA_CONFIG, ...lora },
    train: { ...DEFAULT_TRAIN_CONFIG, lr: 1e-2, schedule: 'constant', ...train },
    samples: { prompts: [], every: 0, maxNewTokens: 4, temperature: 0, seed: 0, ...samples },
  };
}
