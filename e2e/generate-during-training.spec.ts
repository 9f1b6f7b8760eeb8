// Generate while a run trains (wasm, the built-in demo model): the Generate section says the run is going, a
// generation asked for mid-run streams its tokens between two training steps — base and the adapter being trained,
// side by side — while the run keeps going; then the run is stopped and saves its adapter.
import { expect, test } from './fixtures';
import { openSection } from './helpers';
import { fillTrainForm, lossRange, openWithModel, prepareShipLog, shoot } from './train-helpers';

const STEPS = 400;

test('tokens stream between training steps, with the base and the live adapter', async ({ page }) => {
  test.setTimeout(120_000);
  await openWithModel(page);
  await prepareShipLog(page);
  await fillTrainForm(page, { steps: STEPS, name: 'live generate', sampleEvery: 0, checkpointEvery: 50, seqLen: 64 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('Training', { timeout: 30_000 });
  await expect.poll(async () => (await lossRange(page)).points, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);

  await openSection(page, 'Generate');
  const note = page.getByTestId('generate-training-note');
  await expect(note).toContainText('Training “live generate” is running');
  await expect(note.getByLabel('Use the adapter being trained (live)')).toBeChecked();
  await page.getByLabel('Prompt', { exact: true }).fill("Ship's log: 4 May 1840.");
  await page.getByLabel('Max new tokens').fill('12');
  await page.getByRole('button', { name: 'Generate' }).click();
  // Both panes stream and finish while the run is still going (the note stays, its step below the total).
  await expect(page.getByTestId('output-training-stats')).toContainText('seed', { timeout: 30_000 });
  await expect(page.getByTestId('output-base-stats')).toContainText('seed');
  expect((await page.getByTestId('output-base-text').textContent())!.length).toBeGreaterThan(0);
  expect((await page.getByTestId('output-training-text').textContent())!.length).toBeGreaterThan(0);
  await expect(note).toBeVisible();
  const step = Number(/step (\d+) of/.exec((await note.textContent()) ?? '')?.[1]);
  expect(step).toBeGreaterThanOrEqual(2);
  expect(step).toBeLessThan(STEPS);
  await shoot(page, 'generate-during-training');

  // The run went on after the generation, and stops cleanly.
  await openSection(page, 'Train');
  await expect(page.getByTestId('train-status')).toHaveText('Training');
  await expect.poll(async () => (await lossRange(page)).points, { timeout: 30_000 }).toBeGreaterThan(step);
  await page.getByRole('button', { name: 'Stop and save' }).click();
  await expect(page.getByTestId('train-saved')).toContainText('live generate', { timeout: 30_000 });
});
