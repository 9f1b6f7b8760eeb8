// Issue 19 in the browser: the sample preference pairs (public/datasets/sea-preference.jsonl) are dropped on the Data
// section, detected as preference data and prepared; the Train form's Method is set to DPO (β 0.1, sigmoid) and a
// short run on the demo model (wasm) starts at DPO's exact first loss ln 2, lowers it, and charts the reward margin.
import path from 'node:path';
import { expect, test } from './fixtures';
import { openSection, saveSettings } from './helpers';
import { fillTrainForm, lossRange, openWithModel, shoot } from './train-helpers';

const PAIRS = path.resolve('public/datasets/sea-preference.jsonl');
const STEPS = 6;

test('DPO on the demo model with the sample preference pairs: first loss ln 2, then lower; reward charts', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await saveSettings(page, { theme: 'dark', backend: 'wasm' });
  await openWithModel(page);

  await openSection(page, 'Data');
  await page.getByLabel('Data files').setInputFiles(PAIRS);
  await expect(page.getByTestId('data-files')).toContainText('sea-preference.jsonl');
  await expect(page.locator('main')).toContainText(/preference/i);
  await expect(page.getByTestId('preview-chosen').first()).toContainText('Chosen');
  await expect(page.getByTestId('preview-rejected').first()).toContainText('Rejected');
  await page.getByLabel('Max tokens per example').fill('64');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored', { timeout: 90_000 });

  await fillTrainForm(page, {
    steps: STEPS,
    name: 'sea dpo',
    sampleEvery: 0,
    checkpointEvery: 0,
    seqLen: 64,
    lr: 1e-3,
    batch: 2,
    prompt: 'The',
    sampleTokens: 8,
  });
  await page.getByRole('combobox', { name: 'Method', exact: true }).selectOption('dpo');
  await page.getByLabel('β (DPO)').fill('0.1');
  await page.getByLabel('DPO loss').selectOption('sigmoid');
  await page.getByLabel('Warmup steps').fill('0');
  await page.getByLabel('Schedule').selectOption('constant');
  await expect(page.getByTestId('method-summary')).toHaveText('DPO');

  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('Finished', { timeout: 240_000 });
  const loss = await lossRange(page);
  expect(loss.points).toBe(STEPS);
  expect(Math.abs(loss.first - Math.LN2)).toBeLessThan(1e-3);
  expect(loss.last).toBeLessThan(loss.first);
  await expect(page.getByTestId('chart-margins')).toBeVisible();
  await expect(page.getByTestId('chart-accuracies')).toBeVisible();
  test.info().annotations.push({
    type: 'measured',
    description: `DPO on the demo: loss ${loss.first.toFixed(4)} → ${loss.last.toFixed(4)} in ${STEPS} steps`,
  });
  console.log(test.info().annotations.at(-1)?.description);
  await shoot(page, 'train-dpo');
});
