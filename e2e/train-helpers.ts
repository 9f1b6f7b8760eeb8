/** Steps the training journeys share: a base model, a prepared sample dataset, tiny training settings, a run. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';
import { FIXTURE_MODEL, loadFixtureModel, openSection } from './helpers';
import { fixtureShapes } from './peft-fixture';

/** The demo's weights are built by scripts/demo-model; a checkout without them trains the committed tiny fixture. */
export const DEMO_PRESENT = existsSync(path.resolve('public/models/lorastudio-demo/model.safetensors'));
export const SHIP_LOG = path.resolve('public/datasets/ship-log-json.jsonl');
export const SAMPLE_PROMPT =
  "Ship's log: 3 May 1840. Captain Peleg of the Pequod took two whales off Cape Horn.\nRecord:";

/** Opens the studio with a base model loaded: the built-in demo (loaded on open) or the dropped fixture. */
export async function openWithModel(page: Page): Promise<string> {
  if (!DEMO_PRESENT) {
    await loadFixtureModel(page);
    return 'local model (INT8)';
  }
  await page.goto('/#model');
  await expect(page.getByTestId('model-loaded')).toContainText('lorastudio-demo', { timeout: 90_000 });
  return 'lorastudio-demo';
}

/** Drops the ship's-log sample file on the Data section and prepares it (stored in IndexedDB). */
export async function prepareShipLog(page: Page, maxTokens = 256): Promise<void> {
  await openSection(page, 'Data');
  await page.getByLabel('Data files').setInputFiles(SHIP_LOG);
  await expect(page.getByTestId('data-files')).toContainText('ship-log-json.jsonl');
  await page.getByLabel('Max tokens per example').fill(String(maxTokens));
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored', { timeout: 90_000 });
}

/** Drops `lines` as one JSONL file on the Data section and prepares it with nothing held out. */
export async function prepareJsonlLines(
  page: Page,
  name: string,
  lines: readonly string[],
  maxTokens: number,
): Promise<void> {
  await openSection(page, 'Data');
  await page
    .getByLabel('Data files')
    .setInputFiles({ name, mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n') + '\n') });
  await expect(page.getByTestId('data-files')).toContainText(name);
  await page.getByLabel('Max tokens per example').fill(String(maxTokens));
  await page.getByLabel('Held out for evaluation').fill('0');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored');
}

/** Tiny training settings a 2-core machine runs in seconds. */
export interface TinySettings {
  steps: number;
  name: string;
  sampleEvery: number;
  checkpointEvery: number;
  seqLen?: number;
  lr?: number;
  batch?: number;
  prompt?: string;
  sampleTokens?: number;
}

/** Fills the Train form with `s` (starting from the quick preset). */
export async function fillTrainForm(page: Page, s: TinySettings): Promise<void> {
  await openSection(page, 'Train');
  await page.getByRole('radio', { name: 'Quick' }).check();
  // The LoRA and Training groups are folded by default (the preset sets them); open them to edit.
  await page
    .locator('details.form-group')
    .evaluateAll((groups) => groups.forEach((g) => ((g as HTMLDetailsElement).open = true)));
  await page.getByLabel('Adapter name').fill(s.name);
  await page.getByRole('radio', { name: 'Steps', exact: true }).check();
  await page.getByLabel('Total steps').fill(String(s.steps));
  await page.getByLabel('Rank', { exact: true }).fill('4');
  await page.getByLabel('Alpha', { exact: true }).fill('8');
  await page.getByLabel('Batch size').fill(String(s.batch ?? 2));
  await page.getByLabel('Max sequence length').fill(String(s.seqLen ?? 128));
  await page.getByRole('spinbutton', { name: 'Learning rate' }).fill(String(s.lr ?? 3e-3));
  await page.getByLabel('Warmup steps').fill('2');
  await page.getByLabel('Eval every (steps)').fill('10');
  await page.getByLabel('Checkpoint every (steps)').fill(String(s.checkpointEvery));
  await page.getByLabel('Prompts (a blank line between two)').fill(s.prompt ?? SAMPLE_PROMPT);
  await page.getByLabel('Sample every (steps)').fill(String(s.sampleEvery));
  await page.getByLabel('Sample length (tokens)').fill(String(s.sampleTokens ?? 16));
  await expect(page.getByTestId('train-estimate')).toContainText(`${s.steps} over`);
}

/** Loss of the first and last step as the chart reports them. */
export async function lossRange(page: Page): Promise<{ points: number; first: number; last: number }> {
  const summary = page.getByTestId('loss-summary');
  return {
    points: Number(await summary.getAttribute('data-points')),
    first: Number(await summary.getAttribute('data-first-loss')),
    last: Number(await summary.getAttribute('data-last-loss')),
  };
}

/** Screenshot of the whole open section (the app scrolls inside <main>, so the viewport grows to fit it first). */
export async function shoot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 720 };
  // The whole section: the main area's content plus the header and status bar (two and three rows at phone width).
  const height = await page.evaluate(() =>
    ['.app-main', '.app-header', '.status-bar'].reduce((h, sel) => {
      const el = document.querySelector(sel);
      return h + (el ? (sel === '.app-main' ? el.scrollHeight : el.getBoundingClientRect().height) : 0);
    }, 0),
  );
  await page.setViewportSize({ width: size.width, height: Math.min(4000, Math.max(size.height, Math.ceil(height))) });
  await page.screenshot({ path: `e2e-artifacts/${name}.png` });
  await page.setViewportSize(size);
}

/**
 * Starts the run filled in on the Train form, waits until it has finished (within `timeout` ms) with its adapter
 * `name` saved, and returns the range of its loss curve.
 */
export async function trainToFinish(
  page: Page,
  name: string,
  timeout: number,
): Promise<{ points: number; first: number; last: number }> {
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText(/Training|Finished/);
  await expect(page.getByTestId('train-status')).toHaveText('Finished', { timeout });
  await expect(page.getByTestId('train-saved')).toContainText(name);
  return lossRange(page);
}

/** [out, in] of every LoRA target module of the model the journey trains (from its config.json). */
export function targetShapes(): Record<string, [number, number]> {
  return fixtureShapes(DEMO_PRESENT ? path.resolve('public/models/lorastudio-demo') : FIXTURE_MODEL);
}

/** Number of decoder layers of that model. */
export function layerCount(): number {
  const dir = DEMO_PRESENT ? 'public/models/lorastudio-demo' : 'fixtures/models/llama-tied';
  return (JSON.parse(readFileSync(path.resolve(dir, 'config.json'), 'utf8')) as { num_hidden_layers: number })
    .num_hidden_layers;
}
