/**
 * Sample generations during training: the user's prompts run through the base + the adapter being trained, so the
 * Train section can show the adapter learn. They run between optimizer steps (the run is held at a step boundary),
 * never interleaved with a step, so dropout is off and the weights do not move under the generation.
 */
import { formatPrompt, type PromptFormat } from '../../data/prompt-format';
import { generate } from '../../generate/generate';
import type { LoraAdapter } from '../../lora/lora-adapter';
import type { SampleSettings } from '../../spec/run-spec';
import type { LoadedModel } from '../session';

/** Longest sample the studio asks for (a sample is a glance, not an essay). */
export const MAX_SAMPLE_TOKENS = 256;

/** Whether samples are due after `step` (of `total`). The last step always gets them. */
export function samplesDue(settings: SampleSettings, step: number, total: number): boolean {
  if (settings.prompts.length === 0) return false;
  if (step === total) return true;
  return settings.every > 0 && step % settings.every === 0;
}

/** One generated sample. */
export interface RunSample {
  index: number;
  prompt: string;
  text: string;
}

/**
 * Generates one continuation per prompt with `adapter` applied, each prompt rendered in the dataset's format (a
 * user turn in the chat template, a prompt template filled in, or plain text), as training rendered its prompts.
 */
export async function generateSamples(
  loaded: LoadedModel,
  adapter: LoraAdapter,
  settings: SampleSettings,
  format: PromptFormat,
  onSample: (s: RunSample) => void,
  signal?: AbortSignal,
): Promise<void> {
  const maxNewTokens = Math.max(1, Math.min(MAX_SAMPLE_TOKENS, Math.floor(settings.maxNewTokens)));
  for (const [index, prompt] of settings.prompts.entries()) {
    if (signal?.aborted) return;
    const input = formatPrompt(format, prompt, loaded.tokenizer.hasChatTemplate);
    const result = await generate(
      loaded.model,
      loaded.tokenizer,
      {
        ...input,
        maxNewTokens,
        temperature: settings.temperature,
        seed: settings.seed,
        hook: adapter,
      },
      { signal },
    );
    onSample({ index, prompt, text: result.text });
  }
}
