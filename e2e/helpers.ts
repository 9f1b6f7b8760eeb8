/** Steps several journeys share. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/** The committed tiny Llama (random weights, its own byte-level tokenizer): loads in a second on wasm. */
export const FIXTURE_MODEL = path.resolve('fixtures/models/llama-tied');
export const FIXTURE_MODEL_FILES = readdirSync(FIXTURE_MODEL)
  .filter((n) => n !== 'golden.json')
  .map((n) => path.join(FIXTURE_MODEL, n));

/** Loads the fixture model through the Model section's "Local files" path (int8), and waits until it is ready. */
export async function loadFixtureModel(page: Page): Promise<void> {
  await page.goto('/#model');
  await expect(page.getByTestId('engine-backend')).toHaveText(/wasm|webgpu/);
  await page.getByRole('radio', { name: 'Local files' }).check();
  await page.getByLabel('Model files').setInputFiles(FIXTURE_MODEL_FILES);
  await expect(page.getByTestId('model-facts')).toContainText('llama');
  await page.getByRole('radio', { name: /^INT8/ }).check();
  await page.getByRole('button', { name: /Load (model|this model instead)/ }).click();
  await expect(page.getByTestId('model-loaded')).toContainText('local model (INT8)');
}

/** Opens a section by its navigation link. */
export async function openSection(page: Page, name: 'Model' | 'Data' | 'Train' | 'Generate' | 'Adapters'): Promise<void> {
  await page.getByRole('navigation', { name: 'Studio sections' }).getByRole('link', { name }).click();
  await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
}
