// Issue 4's recovery test in the browser: reload the page in the middle of a run; the Train section offers the
// unfinished run, and resuming continues from its last IndexedDB checkpoint (the loss curve keeps its history)
// until the run finishes and saves its adapter.
import { expect, test } from './fixtures';
import { openSection, saveSettings } from './helpers';
import { fillTrainForm, lossRange, openWithModel, prepareShipLog, shoot } from './train-helpers';

const STEPS = 40;

test('reload mid-run: the run resumes from its checkpoint and finishes', async ({ page }) => {
  test.setTimeout(300_000);
  await saveSettings(page, { theme: 'dark', backend: 'wasm' });
  await openWithModel(page);
  await prepareShipLog(page);
  await fillTrainForm(page, { steps: STEPS, name: 'ship log resumed', sampleEvery: 0, checkpointEvery: 5, lr: 2e-3 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-checkpoint')).toHaveText(/checkpoint at step (1\d|2\d)/, { timeout: 120_000 });
  const before = await lossRange(page);
  expect(before.points).toBeLessThan(STEPS);

  await page.reload();
  // A dropped model is gone after a reload: drop the same files again (the built-in demo reloads by itself).
  await openWithModel(page);
  await openSection(page, 'Train');
  const unfinished = page.getByTestId('unfinished-runs');
  await expect(unfinished).toContainText('ship log resumed');
  // Its curve (up to the last checkpoint) and its own settings show at once, before "Resume run".
  await expect(page.getByTestId('train-viewing')).toContainText('ship log resumed was interrupted');
  await expect(page.getByTestId('train-viewing-settings')).toContainText('rank 4, alpha 8');
  await expect(page.getByTestId('train-viewing-settings')).toContainText(`${STEPS} steps`);
  // The run record gets its points at each checkpoint (written just after it), so it may lag the last one.
  const shown = await lossRange(page);
  expect(shown.points).toBeGreaterThanOrEqual(5);
  expect(shown.points).toBeLessThanOrEqual(before.points);
  expect(shown.first).toBeCloseTo(before.first, 5);
  await shoot(page, 'train-resume-offer');
  await unfinished.getByRole('button', { name: 'Resume run ship log resumed' }).click();
  await expect(page.getByTestId('train-resumed')).toHaveText(/resumed at step ([1-3]\d)/);
  // The form shows the run's own settings.
  await expect(page.getByLabel('Adapter name')).toHaveValue('ship log resumed');
  const resumedAt = Number((await page.getByTestId('train-resumed').textContent())!.replace(/\D+/g, ''));
  expect(resumedAt).toBeGreaterThanOrEqual(10);
  await expect(page.getByTestId('train-status')).toHaveText('Finished', { timeout: 240_000 });
  await expect(page.getByTestId('train-saved')).toContainText('ship log resumed');
  // The curve kept the steps before the reload: one point per step, none trained twice.
  const after = await lossRange(page);
  expect(after.points).toBe(STEPS);
  expect(after.first).toBeCloseTo(before.first, 5);
  await expect(page.getByTestId('unfinished-runs')).toHaveCount(0);
  await shoot(page, 'train-resumed-dark');
});
