// Tokenizing on a pool of data workers: the same sample dataset prepared on a page that sees 1 core (one data worker)
// and on one that sees 8 (a pool of 4) gives the same figures and stores the same counts; a big file's pooled
// preparation cancels cleanly and the pool then prepares again.
import type { Page } from '@playwright/test';
import { ARTIFACTS, expect, test } from './fixtures';
import { loadFixtureModel, openSection } from './helpers';

/** Makes the page (not its workers) see `cores` logical cores, as a laptop with that many would report. */
async function emulateCores(page: Page, cores: number): Promise<void> {
  await page.addInitScript(
    (n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }),
    cores,
  );
}

/** Prepares the Ship's log JSON sample (512 KB: above the pool threshold); returns what the stats card shows. */
async function prepareSample(page: Page): Promise<{ stats: string; histogram: string | null; preparedWith: string }> {
  await loadFixtureModel(page);
  await openSection(page, 'Data');
  await page.getByRole('button', { name: /Use sample dataset: Ship's log → JSON \(prompt\/completion\)/ }).click();
  await expect(page.getByTestId('data-shape')).toContainText('prompt/completion');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored');
  const preparedWith = (await page.getByTestId('data-prepared-with').textContent())!;
  // Everything but the timing line.
  const facts = page.getByTestId('data-stats').locator('dl.facts > :not(:nth-last-child(-n+2))');
  const stats = (await facts.allTextContents()).join(' | ');
  const histogram = await page
    .getByTestId('data-stats')
    .getByRole('img', { name: /Example lengths/ })
    .getAttribute('aria-label');
  return { stats, histogram, preparedWith };
}

test('a sample prepared on 4 data workers gives the same figures as on one', async ({ browser }) => {
  const context = await browser.newContext();
  const one = await context.newPage();
  await emulateCores(one, 1);
  const single = await prepareSample(one);
  expect(single.preparedWith).toMatch(/on 1 data worker$/);

  const four = await context.newPage();
  await emulateCores(four, 8);
  const pooled = await prepareSample(four);
  expect(pooled.preparedWith).toMatch(/on 4 data workers$/);
  expect(four.workers().filter((w) => w.url().includes('data.worker')).length).toBeGreaterThanOrEqual(4);

  expect(pooled.stats).toContain('Examples');
  expect(pooled.stats).toBe(single.stats);
  expect(pooled.histogram).toBe(single.histogram);
  test.info().annotations.push({
    type: 'timing',
    description: `1 core: ${single.preparedWith}; 8 cores: ${pooled.preparedWith}`,
  });
  await four.getByTestId('data-stats').scrollIntoViewIfNeeded();
  await four.screenshot({ path: `${ARTIFACTS}/data-pool.png` });
  // Both stored (one IndexedDB for the context): two library rows, same examples, tokenizer and stored size.
  const rows = four.getByTestId('dataset-library').getByRole('row', { name: /Ship's log/ });
  await four.reload();
  await openSection(four, 'Data');
  await expect(rows).toHaveCount(2);
  const cells = await rows.evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(2, 5).map((td) => td.textContent)),
  );
  expect(cells[0]).toEqual(cells[1]);
  await context.close();
});

test('cancelling a pooled preparation stops it; the pool prepares again afterwards', async ({ page }) => {
  await emulateCores(page, 8);
  await loadFixtureModel(page);
  await openSection(page, 'Data');
  const record = (i: number) =>
    JSON.stringify({ prompt: `Entry ${i}: the ship sailed ${i % 97} leagues.`, completion: ` {"leagues": ${i % 97}}` });
  const big = Array.from({ length: 20_000 }, (_, i) => record(i)).join('\n') + '\n';
  await page
    .getByLabel('Data files')
    .setInputFiles({ name: 'big.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(big) });
  await expect(page.getByTestId('data-shape')).toContainText('prompt/completion');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  const progress = page.getByTestId('progress');
  await expect(progress).toContainText('4 workers');
  await progress.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('Preparation was cancelled.')).toBeVisible();
  await expect(page.getByTestId('dataset-library').getByRole('row', { name: /big/ })).toHaveCount(0);
  // Every worker is free again: a small file prepares at once (one worker) and the big one on the pool.
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored', { timeout: 90_000 });
  await expect(page.getByTestId('data-example-count')).toContainText(/^20,000 \(/);
  await expect(page.getByTestId('data-prepared-with')).toContainText('on 4 data workers');
  test.info().annotations.push({
    type: 'timing',
    description: `20,000 records: ${await page.getByTestId('data-prepared-with').textContent()}`,
  });
});
