/** Steps several journeys share. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { expect } from './fixtures';

/** The committed tiny Llama (random weights, its own byte-level tokenizer): loads in a second on wasm. */
export const FIXTURE_MODEL = path.resolve('fixtures/models/llama-tied');
export const FIXTURE_MODEL_FILES = readdirSync(FIXTURE_MODEL)
  .filter((n) => n !== 'golden.json')
  .map((n) => path.join(FIXTURE_MODEL, n));

/** Stores the studio's settings (as its persisted settings store writes them) before the page's first script runs. */
export async function saveSettings(
  page: Page,
  settings: { theme: 'light' | 'dark'; backend: 'wasm' | 'webgpu' },
): Promise<void> {
  await page.addInitScript(
    (s) => localStorage.setItem('lora-studio-settings', JSON.stringify({ state: { settings: s }, version: 1 })),
    settings,
  );
}

/**
 * Loads `files` through the Model section's "Local files" path as `quant` and waits until the model is ready; the
 * engine's backend must match `backend` before and after the load.
 */
async function loadLocalModel(
  page: Page,
  files: Parameters<Locator['setInputFiles']>[0],
  quant: 'INT8' | 'F32',
  backend: string | RegExp,
): Promise<void> {
  await page.goto('/#model');
  await expect(page.getByTestId('engine-backend')).toHaveText(backend);
  await page.getByRole('radio', { name: 'Local files' }).check();
  await page.getByLabel('Model files').setInputFiles(files);
  await expect(page.getByTestId('model-facts')).toContainText('llama');
  await page.getByRole('radio', { name: new RegExp(`^${quant}`) }).check();
  await page.getByRole('button', { name: /Load (model|this model instead)/ }).click();
  await expect(page.getByTestId('model-loaded')).toContainText(`local model (${quant})`);
  await expect(page.getByTestId('engine-backend')).toHaveText(backend);
}

/** Loads the fixture model (int8) on whichever backend the studio chose. */
export async function loadFixtureModel(page: Page): Promise<void> {
  await loadLocalModel(page, FIXTURE_MODEL_FILES, 'INT8', /wasm|webgpu/);
}

/** Opens the studio with WebGPU chosen in its saved settings and loads `files` as F32, staying on WebGPU. */
export async function loadLocalModelOnWebGpu(
  page: Page,
  files: Parameters<Locator['setInputFiles']>[0],
): Promise<void> {
  await saveSettings(page, { theme: 'light', backend: 'webgpu' });
  await loadLocalModel(page, files, 'F32', 'webgpu');
}

/** Opens a section by its navigation link. */
export async function openSection(
  page: Page,
  name: 'Model' | 'Data' | 'Train' | 'Generate' | 'Evaluate' | 'Adapters',
): Promise<void> {
  await page.getByRole('navigation', { name: 'Studio sections' }).getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
}
