// Data section journeys: a sample dataset prepared and stored with stats, histogram and token preview; and a
// JSONL with 3 bad lines: three errors with line numbers, then "skip" stores the right number of examples.
import { ARTIFACTS, expect, test } from './fixtures';
import { loadFixtureModel, openSection } from './helpers';
import { loadTinyChatModel } from './tiny-chat-model';

test('a sample dataset: shape detected, tokens previewed, prepared and stored', async ({ page }) => {
  await loadFixtureModel(page);
  await openSection(page, 'Data');
  await page.getByRole('button', { name: /Use sample dataset: Ship's log → JSON \(prompt\/completion\)/ }).click();
  await expect(page.getByTestId('data-shape')).toContainText('prompt/completion');
  await expect(page.getByTestId('data-preview').locator('.tok-loss').first()).toBeVisible();
  await page.getByLabel('Max tokens per example').fill('128');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored');
  // 1,500 records; the fixture's 256-token vocabulary spells most words byte by byte, so at 128 tokens a few
  // answers are cut away entirely and those examples are dropped (counted in the stats).
  const count = (await page.getByTestId('data-example-count').textContent())!.split(' ')[0];
  expect(Number(count.replace(',', ''))).toBeGreaterThan(1400);
  await expect(page.getByTestId('data-stats').getByRole('img', { name: /Example lengths/ })).toBeVisible();
  await expect(page.getByTestId('dataset-library').getByRole('row', { name: /Ship's log/ })).toContainText(count);
  await page.getByTestId('data-stats').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}/data-sample.png` });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${ARTIFACTS}/data-sample-dark.png` });
  await page.emulateMedia({ colorScheme: 'light' });
  // The library survives a reload (IndexedDB), and the new dataset is the one selected for training.
  await page.reload();
  await openSection(page, 'Data');
  await expect(page.getByRole('radio', { name: /Train on Ship's log/ })).toBeChecked();
});

test('a JSONL with 3 bad lines: three located errors, then skip stores the good records', async ({ page }) => {
  const good = (i: number) => JSON.stringify({ prompt: `What is ${i} + ${i}?`, completion: ` ${2 * i}.` });
  const lines = [
    good(1),
    good(2),
    '{"prompt": "unterminated',
    good(3),
    '{"prompt": "no completion"}',
    good(4),
    good(5),
    'plain words',
    good(6),
  ];
  await loadFixtureModel(page);
  await openSection(page, 'Data');
  await page
    .getByLabel('Data files')
    .setInputFiles({ name: 'sums.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n') + '\n') });
  await expect(page.getByTestId('data-files')).toContainText('sums.jsonl');
  await expect(page.getByTestId('data-shape')).toContainText('prompt/completion');
  // Every record is checked as soon as the file is dropped: the three bad lines show before "Prepare".
  const problems = page.getByTestId('data-problems');
  await expect(problems).toContainText('3 problems in the file');
  await expect(problems.getByRole('listitem')).toHaveCount(3);
  await expect(problems.getByRole('listitem').nth(2)).toContainText('sums.jsonl:8:');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(problems).toContainText('3 problems — nothing was stored');
  await expect(problems.getByRole('listitem')).toHaveCount(3);
  await expect(problems.getByRole('listitem').nth(0)).toContainText('sums.jsonl:3:');
  await expect(problems.getByRole('listitem').nth(1)).toContainText('sums.jsonl:5:');
  await expect(problems.getByRole('listitem').nth(2)).toContainText('sums.jsonl:8:');
  await page.getByTestId('data-problems').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${ARTIFACTS}/data-problems.png` });
  await page.getByRole('button', { name: 'Skip the 3 bad records and prepare' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored');
  await expect(page.getByTestId('data-example-count')).toContainText(/^6 \(/);
  await expect(page.getByTestId('data-stats')).toContainText('3 bad records');
  await expect(page.getByRole('radio', { name: 'Skip bad rows' })).toBeChecked();
  await expect(page.getByTestId('dataset-library').getByRole('row', { name: /sums/ })).toContainText('6');
  await page.screenshot({ path: `${ARTIFACTS}/data-skipped.png` });
});

test('0 usable examples: nothing is stored and the reason is the message', async ({ page }) => {
  const long = (i: number) =>
    JSON.stringify({ prompt: `A rather long question number ${i}, asked with many words?`, completion: ` ${i}.` });
  await loadFixtureModel(page);
  await openSection(page, 'Data');
  await page.getByLabel('Data files').setInputFiles({
    name: 'long.jsonl',
    mimeType: 'application/jsonl',
    buffer: Buffer.from([1, 2, 3, 4].map(long).join('\n')),
  });
  await expect(page.getByTestId('data-shape')).toContainText('prompt/completion');
  await page.getByLabel('Max tokens per example').fill('16');
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Not stored');
  await expect(page.getByTestId('data-empty-reason')).toContainText(
    /Nothing to train on: the shortest prompt renders to \d+ tokens with the template .* and the max tokens per example is 16; every example lost its answer/,
  );
  await expect(page.getByTestId('dataset-library')).toHaveCount(0);
});

test('the sample list links EFFECTS.md, served beside the samples', async ({ page }) => {
  await page.goto('/#data');
  const link = page.getByRole('link', { name: 'EFFECTS.md' }).first();
  await expect(link).toHaveAttribute('href', 'datasets/EFFECTS.md');
  const res = await page.request.get('/datasets/EFFECTS.md');
  expect(res.ok()).toBe(true);
  expect(await res.text()).toContain('#');
});

test('a chat sample with a chat-template model: trains on the assistant turns only', async ({ page }) => {
  await loadTinyChatModel(page);
  await openSection(page, 'Data');
  await page.getByRole('button', { name: /Use sample dataset: Ship's log → JSON \(chat\)/ }).click();
  await expect(page.getByTestId('data-shape')).toContainText('chat');
  const preview = page.getByTestId('data-preview');
  await expect(preview.locator('.tok-loss').first()).toBeVisible();
  // The system and user turns are context: the first tokens carry no loss.
  await expect(preview.locator('.token-preview').first().locator('.tok').first()).not.toHaveClass(/tok-loss/);
  await page.getByRole('button', { name: 'Prepare dataset' }).click();
  await expect(page.getByTestId('data-stats')).toContainText('Stored');
  await expect(page.getByTestId('data-example-count')).toContainText('800');
});
