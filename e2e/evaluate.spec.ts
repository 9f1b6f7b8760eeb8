// Evaluate section on the demo model (the fixture when the demo is not built) with two imported adapters and a mix:
// loss table with intervals, bar chart, hardest examples as a heat map, the Predict grid beside the references,
// CSV export, and the same grid when the variants run one at a time instead of multiplexed.
import { readFileSync } from 'node:fs';
import { zipSync } from 'fflate';
import { encodeSafetensors, type SafetensorsEntry } from '../src/formats/safetensors-write';
import { expect, test } from './fixtures';
import { openSection } from './helpers';
import { layerCount, openWithModel, prepareShipLog, shoot, targetShapes } from './train-helpers';

/** A zipped PEFT folder for the loaded base's shapes: random A, small random B (so it changes, not wrecks, the model). */
function adapterZip(folder: string, rank: number, seed: number): Buffer {
  let s = seed >>> 0;
  const rand = (scale: number) => () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32 - 0.5) * scale;
  };
  const entries: SafetensorsEntry[] = [];
  for (let layer = 0; layer < layerCount(); layer++) {
    for (const [name, [out, inF]] of Object.entries(targetShapes())) {
      const p = `base_model.model.model.layers.${layer}.${name}`;
      entries.push({
        name: `${p}.lora_A.weight`,
        dtype: 'F32',
        shape: [rank, inF],
        data: Float32Array.from({ length: rank * inF }, rand(0.2)),
      });
      entries.push({
        name: `${p}.lora_B.weight`,
        dtype: 'F32',
        shape: [out, rank],
        data: Float32Array.from({ length: out * rank }, rand(0.2)),
      });
    }
  }
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: rank,
    lora_alpha: 2 * rank,
    lora_dropout: 0,
    target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
    bias: 'none',
  };
  const files = {
    [`${folder}/adapter_config.json`]: new TextEncoder().encode(JSON.stringify(config)),
    [`${folder}/adapter_model.safetensors`]: encodeSafetensors(entries, { format: 'pt' }),
  };
  return Buffer.from(zipSync(files));
}

test('Evaluate and Predict: base, two adapters and a mix on held-out ship logs', async ({ page }) => {
  test.setTimeout(240_000);
  await openWithModel(page);
  await openSection(page, 'Adapters');
  for (const [name, seed] of [
    ['north', 3],
    ['south', 4],
  ] as const) {
    await page
      .getByLabel('Adapter files')
      .setInputFiles({ name: `${name}.zip`, mimeType: 'application/zip', buffer: adapterZip(name, 4, seed) });
    await expect(page.getByTestId('adapters-notice')).toContainText(`Imported ${name}`);
  }
  await prepareShipLog(page);

  await openSection(page, 'Evaluate');
  await page.getByLabel('At most (0 = all)').fill('6');
  await page.getByLabel('Predict prompts (0 = none)').fill('2');
  await page.getByLabel('New tokens').fill('12');
  await page.getByLabel('Evaluate adapter north').check();
  await page.getByLabel('Evaluate adapter south').check();
  await page.getByRole('button', { name: 'Add a mix' }).click();
  await page.getByLabel('Name of mix 1').fill('blend');
  await page.getByRole('button', { name: 'Evaluate', exact: true }).click();

  const rows = page.getByTestId('eval-row');
  await expect(rows).toHaveCount(4, { timeout: 120_000 });
  await expect(rows.nth(0)).toContainText('base');
  await expect(rows.nth(3)).toContainText('blend');
  const losses = await rows.locator('td:nth-child(2)').allTextContents();
  losses.forEach((l) => expect(Number(l)).toBeGreaterThan(0));
  expect(new Set(losses).size).toBe(4); // the adapters change the loss
  await expect(page.getByTestId('eval-bars').locator('canvas')).toBeVisible();
  await expect(page.getByTestId('heat-map').first()).toBeVisible();
  expect(await page.getByTestId('heat-map').first().locator('.heat-token').count()).toBeGreaterThan(0);
  await expect(page.getByTestId('predict-row')).toHaveCount(2);
  await expect(page.getByTestId('predict-grid').locator('thead th')).toHaveCount(6);
  await expect(page.getByTestId('predict-metric-validJson')).toBeVisible();
  await shoot(page, 'evaluate');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const csv = readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe(
    'variant,loss,perplexity,ci95_low,ci95_high,tokens,examples,exactMatch,rougeL,bleu4,validJson,sameKeys',
  );
  expect(csv).toHaveLength(5);

  // One variant at a time: the same grid, token for token.
  const grid = await page.getByTestId('predict-row').allTextContents();
  // The heading says how the result was computed; waiting on the elapsed time instead hangs when both runs
  // take the same tenth of a second.
  const heading = page.getByTestId('eval-table').locator('h3');
  await expect(heading).toContainText('variants batched');
  await page.getByLabel('Batching').uncheck();
  await page.getByRole('button', { name: 'Evaluate', exact: true }).click();
  await expect(heading).toContainText('one variant at a time', { timeout: 120_000 });
  await expect(page.getByTestId('predict-row')).toHaveCount(2);
  expect(await page.getByTestId('predict-row').allTextContents()).toEqual(grid);
});
