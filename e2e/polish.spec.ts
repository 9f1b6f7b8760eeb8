// Issue 15: every section, with content in it (a model, a dropped data file, an adapter in the library), checked by
// axe-core in light and dark (no serious or critical violation) and shot at 1366 px and 390 px in both themes for a
// person to look at (e2e-artifacts/studio-<section>-<width>-<theme>.png); nothing scrolls sideways at 390 px.
// Keyboard: a skip link to the section, focus on the section after following a section link, named setting groups.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { FIXTURE_MODEL, openSection } from './helpers';
import { peftFiles } from './peft-fixture';
import { DEMO_PRESENT, openWithModel, shoot, SHIP_LOG } from './train-helpers';

const SECTIONS = ['Model', 'Data', 'Train', 'Generate', 'Evaluate', 'Adapters'] as const;

const setTheme = (page: Page, theme: 'light' | 'dark') =>
  page.evaluate((t) => (document.documentElement.dataset.theme = t), theme);

/**
 * axe-core's serious and critical findings on the page as it stands, one line each. `rules` narrows the run (the
 * dark theme changes colours only, so there contrast is what can differ from the light run).
 */
async function seriousViolations(page: Page, rules?: string[]): Promise<string[]> {
  // Only violations come back in detail: passes and incomplete results are not serialised (a third of the time).
  const axe = new AxeBuilder({ page }).options({ resultTypes: ['violations'] });
  const { violations } = await (rules ? axe.withRules(rules) : axe).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')}: ${n.failureSummary ?? ''}`));
}

/** The built-in demo when this checkout has its weights (real tokens to look at), else the tiny fixture. */
const MODEL_DIR = DEMO_PRESENT ? path.resolve('public/models/lorastudio-demo') : FIXTURE_MODEL;

/** Opens the studio with a model, one adapter in the library and a data file dropped (not prepared). */
async function studioWithContent(page: Page): Promise<void> {
  await openWithModel(page);
  await openSection(page, 'Adapters');
  const folder = peftFiles(4, 11, MODEL_DIR);
  await page.getByLabel('Adapter files').setInputFiles([
    { name: 'adapter_config.json', mimeType: 'application/json', buffer: folder.config },
    { name: 'adapter_model.safetensors', mimeType: 'application/octet-stream', buffer: folder.weights },
  ]);
  await expect(page.getByTestId('adapters-notice')).toContainText('Imported imported adapter');
  await openSection(page, 'Data');
  await page.getByLabel('Data files').setInputFiles(SHIP_LOG);
  await expect(page.getByTestId('data-preview').locator('.token-preview').first()).toBeVisible();
}

test('every section: axe finds nothing serious in light and dark; screenshots at 1366 and 390 px', async ({ page }) => {
  test.setTimeout(180_000);
  await studioWithContent(page);
  const found: string[] = [];
  for (const name of SECTIONS) {
    await openSection(page, name);
    const id = name.toLowerCase();
    await page.setViewportSize({ width: 1366, height: 900 });
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      const rules = theme === 'dark' ? ['color-contrast'] : undefined;
      found.push(...(await seriousViolations(page, rules)).map((v) => `${name} ${theme}: ${v}`));
      await shoot(page, `studio-${id}-1366-${theme}`);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate(() => ({
      doc: document.documentElement.scrollWidth,
      main: document.querySelector('.app-main')!.scrollWidth,
    }));
    expect.soft(widths.doc, `${name}: page width at 390 px`).toBeLessThanOrEqual(390);
    expect.soft(widths.main, `${name}: main width at 390 px`).toBeLessThanOrEqual(390);
    for (const theme of ['light', 'dark'] as const) {
      await setTheme(page, theme);
      await shoot(page, `studio-${id}-390-${theme}`);
    }
    await page.setViewportSize({ width: 1366, height: 900 });
  }
  expect(found, 'axe-core serious/critical violations').toEqual([]);
});

test('keyboard: skip link, focus follows a section link, setting groups are named', async ({ page }) => {
  await page.goto('/#model');
  await expect(page.getByTestId('engine-backend')).toHaveText(/wasm|webgpu/);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the section' });
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Model' })).toBeFocused();
  // A section link followed with the keyboard: focus lands on the new section, not on the navigation bar.
  const nav = page.getByRole('navigation', { name: 'Studio sections' });
  await nav.getByRole('link', { name: 'Train' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 2, name: 'Train' })).toBeFocused();
  await expect(page).toHaveURL(/#train$/);
  for (const name of ['LoRA', 'Training', 'Method', 'Sample generations'])
    await expect(page.getByRole('group', { name, exact: true })).toBeVisible();
});

test('Generate lines up side by side and runs the base once with no adapter; the library row fits and opens Generate', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await studioWithContent(page);
  // The adapter's record size, then the status bar: what the studio stored is never shown as "0 B".
  await openSection(page, 'Adapters');
  const row = page.getByTestId('adapter-row');
  await expect(page.getByRole('button', { name: /as two files/ })).toHaveCount(0);
  // The Actions cell stays a table cell: as tall as its row, so the row's rule runs straight across.
  const cells = await row
    .locator('td')
    .evaluateAll((tds) =>
      tds.map((td) => ({ display: getComputedStyle(td).display, height: td.getBoundingClientRect().height })),
    );
  expect(cells.map((c) => c.display)).toEqual(cells.map(() => 'table-cell'));
  expect(new Set(cells.map((c) => Math.round(c.height))).size).toBe(1);
  await expect(page.getByText(/^Storage: /)).not.toHaveText(/Storage: 0 B/, { timeout: 10_000 });
  await expect(page.getByText(/^Storage: \d/)).toBeVisible();

  await openSection(page, 'Generate');
  await expect(page.getByLabel('Use adapter imported adapter')).not.toBeChecked();
  await expect(page.getByText('Base and adapters side by side').locator('input')).toBeChecked();
  // Nothing to compare: the base runs once, one pane, and the checkbox says why.
  await expect(page.getByTestId('gen-compare-note')).toBeVisible();
  await expect(page.getByTestId('output-adapters')).toHaveCount(0);
  await page.getByLabel('Max new tokens').fill('2');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-base-stats')).toContainText('seed');
  const newSeed = await page.getByRole('button', { name: 'New seed' }).boundingBox();
  const seed = await page.getByLabel('Seed', { exact: true }).boundingBox();
  expect(newSeed!.height, '"New seed" on one line').toBeLessThanOrEqual(seed!.height + 4);

  // "Use in Generate" from the library: the adapter alone in the mix, Generate open and focused, two aligned panes.
  await openSection(page, 'Adapters');
  await page.getByRole('button', { name: 'Use imported adapter in Generate' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Generate' })).toBeFocused();
  await expect(page.getByLabel('Use adapter imported adapter')).toBeChecked();
  await expect(page.getByTestId('gen-compare-note')).toHaveCount(0);
  await page.setViewportSize({ width: 1100, height: 900 });
  const tops = await Promise.all(
    ['base', 'adapters'].map(async (id) => (await page.getByTestId(`output-${id}-text`).boundingBox())!.y),
  );
  expect(tops[1], 'output boxes side by side start at the same height').toBeCloseTo(tops[0], 0);
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed');
  await expect(page.getByTestId('output-base-stats')).toContainText('seed');
  await shoot(page, 'studio-generate-compare');
});

test('two runs compared on one loss chart; a stored run exports its report', async ({ page }) => {
  await openWithModel(page);
  await openSection(page, 'Adapters');
  // Two adapters as a cluster sends them back: PEFT files plus trainer_state.json (each filed as a run with a curve).
  const returned = (folder: string, losses: number[]) => {
    const f = peftFiles(4, folder.length, MODEL_DIR);
    const state = { log_history: losses.map((loss, i) => ({ step: i + 1, loss, learning_rate: 1e-4 })) };
    return Buffer.from(
      zipSync({
        [`${folder}/adapter_config.json`]: new Uint8Array(f.config),
        [`${folder}/adapter_model.safetensors`]: new Uint8Array(f.weights),
        [`${folder}/trainer_state.json`]: new TextEncoder().encode(JSON.stringify(state)),
      }),
    );
  };
  for (const [name, losses] of [
    ['run-a', [3, 2.5, 2, 1.5, 1.2, 1]],
    ['run-bb', [3, 2.8, 2.6, 2.4]],
  ] as const) {
    await page
      .getByLabel('Adapter files')
      .setInputFiles({ name: `${name}.zip`, mimeType: 'application/zip', buffer: returned(name, [...losses]) });
    await expect(page.getByTestId('adapters-notice')).toContainText(`Imported ${name}`);
  }
  await page.getByRole('button', { name: 'Loss history of run-a' }).click();
  await expect(page.getByTestId('loss-summary')).toHaveAttribute('data-points', '6');
  const picker = page.getByLabel('Compare with');
  await picker.focus();
  await expect(picker.locator('option', { hasText: '(4 steps)' })).toHaveCount(1);
  await picker.selectOption({ label: 'imported run (cluster) (4 steps)' });
  await expect(page.getByTestId('loss-summary')).toContainText('dashed: imported run (cluster)');
  await expect(page.getByTestId('loss-chart').locator('.u-legend')).toContainText('imported run (cluster) (smoothed)');
  await shoot(page, 'studio-train-compare');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export run report' }).click();
  const entries = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
  const folder = Object.keys(entries)[0].split('/')[0];
  const csv = new TextDecoder().decode(entries[`${folder}/metrics.csv`]).trim().split('\n');
  expect(csv.slice(1).map((l) => Number(l.split(',')[1]))).toEqual([3, 2.5, 2, 1.5, 1.2, 1]);
});
