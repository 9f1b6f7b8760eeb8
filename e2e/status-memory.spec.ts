// The status bar's memory figure with the built-in model loaded: real bytes (never "0 B"), equal to the engine's
// own report within the label's rounding — on wasm, and on WebGPU where the GPU buffers show once the model ran.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { openSection, saveSettings } from './helpers';
import { fillTrainForm, lossRange, openWithModel, prepareShipLog } from './train-helpers';

const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** "7.0 MiB" → bytes. */
function bytesOf(figure: string): number {
  const m = /^([\d.]+) (B|KiB|MiB|GiB)$/.exec(figure.trim());
  if (!m) throw new Error(`not a byte figure: '${figure}'`);
  return Number(m[1]) * UNITS[m[2]];
}

/** The label's figure agrees with the raw count to the label's precision (one decimal below 10 units, none above). */
function expectAbout(figure: string, bytes: number): void {
  const [value, unitName] = figure.trim().split(' ');
  const unit = UNITS[unitName];
  const halfDigit = value.includes('.') ? 0.05 : 0.5;
  expect(Math.abs(bytesOf(figure) - bytes)).toBeLessThanOrEqual(unit === 1 ? 0 : halfDigit * unit + 1);
}

/**
 * Reads the memory item: its label and the engine's counters it was made from, in one DOM read (during training
 * a memory event lands every step, so separate reads could see two different renders).
 */
async function memory(page: Page) {
  return page.getByTestId('status-memory').evaluate((el) => {
    const num = (name: string) => {
      const v = el.getAttribute(name);
      return v === null ? null : Number(v);
    };
    return { text: el.textContent ?? '', numBytes: num('data-num-bytes'), gpu: num('data-gpu-bytes') };
  });
}

const LABEL = /^Memory: ([\d.]+ (?:B|KiB|MiB|GiB)) in (\d+) tensors?(?: · GPU ([\d.]+ (?:B|KiB|MiB|GiB)))?$/;

test('wasm: the loaded demo model shows its tensor bytes, as the engine reports them', async ({ page }) => {
  const model = await openWithModel(page);
  await expect(page.getByTestId('model-loaded')).toContainText(model);
  // No poll needed: the engine reports memory when the load job ends.
  await expect(page.getByTestId('status-memory')).toHaveText(LABEL, { timeout: 5_000 });
  const m = await memory(page);
  const [, figure] = LABEL.exec(m.text)!;
  expect(m.numBytes).toBeGreaterThan(1024 * 1024);
  expectAbout(figure, m.numBytes!);
  expect(m.text).not.toContain(' 0 B');
  expect(m.gpu).toBeNull();
});

test('WebGPU: tensor bytes after the load, GPU buffer bytes once the model ran', async ({ page }) => {
  test.setTimeout(90_000);
  await saveSettings(page, { theme: 'light', backend: 'webgpu' });
  await openWithModel(page);
  await expect(page.getByTestId('status-backend')).toContainText('webgpu');
  await expect(page.getByTestId('status-memory')).toHaveText(LABEL, { timeout: 5_000 });
  const loaded = await memory(page);
  expect(loaded.numBytes).toBeGreaterThan(1024 * 1024);
  expectAbout(LABEL.exec(loaded.text)![1], loaded.numBytes!);

  // A short generation runs every weight through a kernel: tfjs uploads them, and the GPU figure appears.
  await openSection(page, 'Generate');
  await page.getByLabel('Prompt', { exact: true }).fill('The whale');
  await page.getByLabel('Max new tokens').fill('2');
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('status-memory')).toContainText('· GPU', { timeout: 60_000 });
  const ran = await memory(page);
  const [, figure, , gpuFigure] = LABEL.exec(ran.text)!;
  expectAbout(figure, ran.numBytes!);
  expectAbout(gpuFigure, ran.gpu!);
  // The weights are on the GPU now: most of the tensor bytes sit in GPU buffers.
  expect(ran.gpu!).toBeGreaterThan(loaded.numBytes! * 0.5);
});

test('wasm, during training: the figure follows the run (adapter and optimizer state on top of the base)', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await openWithModel(page);
  await expect(page.getByTestId('status-memory')).toHaveText(LABEL, { timeout: 5_000 });
  const loaded = await memory(page);
  await prepareShipLog(page);
  await fillTrainForm(page, { steps: 200, name: 'memory watch', sampleEvery: 0, checkpointEvery: 50, seqLen: 64 });
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect.poll(async () => (await lossRange(page)).points, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  // The engine reports after every step: LoRA matrices and AdamW moments are live tensors now.
  await expect
    .poll(async () => (await memory(page)).numBytes ?? 0, { timeout: 10_000 })
    .toBeGreaterThan(loaded.numBytes!);
  const during = await memory(page);
  expectAbout(LABEL.exec(during.text)![1], during.numBytes!);
  await page.getByRole('button', { name: 'Stop and save' }).click();
  await expect(page.getByTestId('train-saved')).toContainText('memory watch', { timeout: 30_000 });
  // The run's tensors are freed when it ends: back to about the loaded model (generation caches aside).
  await expect.poll(async () => (await memory(page)).numBytes ?? 0, { timeout: 10_000 }).toBeLessThan(during.numBytes!);
});
