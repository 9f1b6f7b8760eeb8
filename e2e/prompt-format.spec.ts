// Issue 15, defect 1: a prompt/completion adapter is sampled and tried in Generate with its prompts rendered the
// way its dataset was. The Data section shows and chooses the prompt format (chat template, plain, custom) with
// the token preview following; the run's samples say which format they use; the finished adapter opens in
// Generate in that format. On wasm with the built-in demo (ChatML template), or the tiny fixture without one.
import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import { expect, test } from './fixtures';
import { openSection, saveSettings } from './helpers';
import { DEMO_PRESENT, fillTrainForm, openWithModel, shoot, SHIP_LOG } from './train-helpers';

/** The open section at 1366 px in light and dark, and at phone width (390 px), for a person to look at. */
async function shootThemes(page: Page, name: string): Promise<void> {
  const setTheme = (t: string) => page.evaluate((theme) => (document.documentElement.dataset.theme = theme), t);
  await page.setViewportSize({ width: 1366, height: 900 });
  await setTheme('light');
  await shoot(page, `${name}-light`);
  await setTheme('dark');
  await shoot(page, `${name}-dark`);
  await page.setViewportSize({ width: 390, height: 844 });
  // Nothing scrolls sideways at phone width: not the page, not the main area (#15 defect 10).
  const widths = await page.evaluate(() => {
    const main = document.querySelector('.app-main')!;
    return { doc: document.documentElement.scrollWidth, main: main.scrollWidth, mainClient: main.clientWidth };
  });
  expect(widths.doc, `${name}: page width at 390 px`).toBeLessThanOrEqual(390);
  expect(widths.main, `${name}: main area width at 390 px`).toBeLessThanOrEqual(widths.mainClient);
  await shoot(page, `${name}-phone-dark`);
  await setTheme('light');
  await page.setViewportSize({ width: 1366, height: 900 });
}

test('the Data section chooses the prompt format; samples and Generate use it', async ({ page }) => {
  test.setTimeout(240_000);
  await saveSettings(page, { theme: 'light', backend: 'wasm' });
  await openWithModel(page);
  await openSection(page, 'Data');
  await page.getByLabel('Data files').setInputFiles(SHIP_LOG);
  const format = page.getByLabel('Prompt format');
  const preview = page.getByTestId('data-preview').locator('.token-preview').first();
  // Default: the model's chat template when it has one (the demo's ChatML), else the instruction template.
  await expect(format).toHaveValue(DEMO_PRESENT ? 'chat' : 'instruction');
  await expect(preview).toContainText(DEMO_PRESENT ? '<|im_start|>user' : '### Instruction:');

  await format.selectOption('plain');
  await expect(preview).not.toContainText('<|im_start|>');
  await expect(preview).not.toContainText('### Instruction:');
  await expect(preview).toContainText("Ship's log");

  await format.selectOption('custom');
  const template = page.getByLabel('Prompt template');
  await expect(template).toHaveValue('Question: {prompt}\nAnswer:');
  await expect(preview).toContainText('Question:');
  await template.fill('no placeholder here');
  await expect(page.getByTestId('data-template-error')).toContainText('{prompt}');
  await template.fill('Log: {prompt}\nJSON:');
  await expect(page.getByTestId('data-template-error')).toHaveCount(0);
  await expect(preview).toContainText('JSON:');
  await shoot(page, 'format-1-data-custom');

  // Train on the default format and check the run, the adapter and Generate all know it.
  await format.selectOption(DEMO_PRESENT ? 'chat' : 'instruction');
  await page.getByLabel('Max tokens per example').fill('128');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored', { timeout: 90_000 });
  const described = DEMO_PRESENT ? 'the chat template' : 'the template "{system}';
  if (DEMO_PRESENT) {
    // The default sample prompt is one of the dataset's held-out prompts, as written (not "The sea", not templated).
    await openSection(page, 'Train');
    await expect(page.getByLabel('Prompts (a blank line between two)')).toHaveValue(/^Ship's log: .*Record:/s);
  }
  await fillTrainForm(page, { steps: 2, name: 'format run', sampleEvery: 0, checkpointEvery: 10, sampleTokens: 4 });
  await expect(page.getByTestId('sample-format')).toContainText(described);
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('Finished', { timeout: 180_000 });
  await expect(page.getByTestId('sample-step')).toHaveCount(1);

  // The finished run's report: settings, outcome and losses, every step's metrics, each chart as a PNG, the samples.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export run report' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('format-run-report.zip');
  const entries = unzipSync(new Uint8Array(readFileSync(await file.path())));
  const report = new TextDecoder().decode(entries['format-run-report/report.md']);
  expect(report).toContain('**Outcome:** finished, step 2 of 2');
  expect(report).toContain('### Step 2, prompt 1');
  const csv = new TextDecoder().decode(entries['format-run-report/metrics.csv']).trim().split('\n');
  expect(csv[0]).toBe('step,loss,eval_loss,lr,grad_norm,tokens_per_sec');
  expect(csv.map((l) => l.split(',')[0])).toEqual(['step', '1', '2']);
  for (const chart of ['loss', 'lr', 'gradNorm', 'tokensPerSec'])
    expect([...entries[`format-run-report/${chart}.png`].subarray(1, 4)], chart).toEqual([0x50, 0x4e, 0x47]);

  await page.getByRole('button', { name: 'Try it in Generate' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Generate' })).toBeVisible();
  await expect(page.getByLabel('Use adapter format run')).toBeChecked();
  await expect(page.getByTestId('gen-format-note')).toContainText(`${described}`);
  await expect(page.getByTestId('gen-format-note')).toContainText('format run');
  await expect(page.getByRole('radio', { name: DEMO_PRESENT ? 'Chat' : 'Template' })).toBeChecked();
  await shoot(page, 'format-2-generate');

  // Template mode renders the prompt through the template in the engine: the prompt is longer than the bare text.
  await page.getByRole('radio', { name: 'Template' }).check();
  await expect(page.getByTestId('gen-format-note')).toHaveCount(0);
  await page.getByLabel('Prompt template').fill('nothing to fill');
  await expect(page.getByRole('alert').filter({ hasText: '{prompt}' })).toBeVisible();
  await page.getByLabel('Prompt template').fill('Log: {prompt}\nJSON:');
  await page.getByLabel('Prompt', { exact: true }).fill('The whale');
  await page.getByLabel('Max new tokens').fill('2');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed');
  const templated = Number(
    (await page.getByTestId('output-adapters-stats').textContent())?.match(/prompt (\d+) tokens/)?.[1],
  );
  await page.getByRole('radio', { name: 'Text' }).check();
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed');
  const plain = Number(
    (await page.getByTestId('output-adapters-stats').textContent())?.match(/prompt (\d+) tokens/)?.[1],
  );
  expect(templated).toBeGreaterThan(plain);

  await page.getByRole('radio', { name: 'Template' }).check();
  await shootThemes(page, 'polish-generate');
  await openSection(page, 'Train');
  await expect(page.getByTestId('train-elapsed')).toBeVisible();
  await expect(page.getByTestId('chart-gradNorm')).toBeVisible();
  await shootThemes(page, 'polish-train');
  await openSection(page, 'Data');
  await shootThemes(page, 'polish-data');
  await openSection(page, 'Model');
  await shootThemes(page, 'polish-model');
});
