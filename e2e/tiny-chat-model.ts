/**
 * A tiny random Llama written by the test, sized for the demo's tokenizer (4096 tokens, ChatML template), so the
 * chat paths (chat-mode generation, chat datasets) run in the browser without the pretrained demo weights.
 */
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import { randomLlamaFiles, type Payload } from './random-llama';

/** config.json, model.safetensors and the demo's tokenizer files, as Playwright file payloads. */
export function tinyChatModelFiles(): Payload[] {
  return randomLlamaFiles(path.resolve('public/models/lorastudio-demo'), {
    shape: { hidden: 32, layers: 1, heads: 4, kvHeads: 2, intermediate: 64, vocab: 4096 },
    draw: { seed: 12345, embedScale: 1, weightScale: 0.2 },
    ids: { maxPositions: 512, bos: 0, eos: 0 },
  });
}

/** Loads the tiny chat model through "Local files" (default quantization) and waits for its chat template. */
export async function loadTinyChatModel(page: Page): Promise<void> {
  await page.goto('/#model');
  await expect(page.getByTestId('engine-backend')).toHaveText(/wasm|webgpu/);
  await page.getByRole('radio', { name: 'Local files' }).check();
  await page.getByLabel('Model files').setInputFiles(tinyChatModelFiles());
  await page.getByRole('button', { name: /Load (model|this model instead)/ }).click();
  await expect(page.getByTestId('model-chat-template')).toContainText('chat mode available');
}
