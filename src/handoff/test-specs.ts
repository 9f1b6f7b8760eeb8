/** Hand-off specs for tests: the studio defaults, with overrides. */
import { DEFAULT_LORA_CONFIG } from '../spec/lora-config';
import { DEFAULT_TRAIN_CONFIG } from '../spec/train-config';
import type { HandoffSpec } from './job-spec';

export function testSpec(over: Partial<HandoffSpec> = {}): HandoffSpec {
  return {
    runId: 'run-test',
    modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    lora: { ...DEFAULT_LORA_CONFIG },
    dora: false,
    loraPlusRatio: null,
    train: { ...DEFAULT_TRAIN_CONFIG, adamw: { ...DEFAULT_TRAIN_CONFIG.adamw } },
    quant: 'f32',
    checkpointing: true,
    method: 'sft',
    preference: { beta: 0.1, loss: 'sigmoid' },
    render: { template: 'chat', completionOnly: true, pack: false, evalSplit: 0 },
    markers: { bos: '<s>', eos: '</s>', addBos: true },
    ...over,
  };
}
