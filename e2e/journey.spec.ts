// The whole journey in one page on the wasm backend: model → drop a sample dataset → train a few dozen steps
// (chart points, loss falls, samples appear) → generate base vs adapter → the adapter survives a reload in the
// library → its download is a PEFT zip whose files parse and match the trained shapes. No request leaves
// 127.0.0.1 (the `requests` fixture); a screenshot of every section lands in e2e-artifacts/.
import { expect, test } from './fixtures';
import { openSection, saveSettings } from './helpers';
import { unzipSync } from 'fflate';
import {
  fillTrainForm,
  layerCount,
  lossRange,
  openWithModel,
  prepareShipLog,
  SAMPLE_PROMPT,
  shoot,
  targetShapes,
} from './train-helpers';

const STEPS = 30;
const RANK = 4;

/** The JSON header of a safetensors file: tensor name → dtype and shape. */
function safetensorsHeader(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}

test('journey: train an adapter, watch it learn, and find it in the library after a reload', async ({
  page,
  requests,
}) => {
  test.setTimeout(300_000);
  await saveSettings(page, { theme: 'light', backend: 'wasm' });
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

  // Generate with the adapter: base and adapter side by side, same prompt and seed, different text. The new
  // adapter is already in the mix, prompted in its training format (the chat template on the demo).
  await page.getByRole('button', { name: 'Try it in Generate' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Generate' })).toBeVisible();
  await expect(page.getByLabel('Use adapter ship log journey')).toBeChecked();
  await expect(page.getByTestId('gen-format-note')).toContainText('ship log journey');
  await page.getByLabel(/^(Prompt|Your message)$/).fill(SAMPLE_PROMPT);
  await page.getByLabel('Max new tokens').fill('24');
  await page.getByRole('button', { name: /^(Generate|Send)$/ }).click();
  await expect(page.getByTestId('output-base-stats')).toContainText('seed');
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed');
  const baseText = await page.getByTestId('output-base-text').textContent();
  const tunedText = await page.getByTestId('output-adapters-text').textContent();
  expect(tunedText).not.toBe(baseText);
  await shoot(page, 'journey-5-generate');

  // After a reload the adapter is in the library with its facts, and its run's loss history re-opens.
  await page.reload();
  await openWithModel(page);
  await openSection(page, 'Adapters');
  const row = page.getByTestId('adapter-row').filter({ hasText: 'ship log journey' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(`r ${RANK}`);
  await expect(row).toContainText('data: ship-log-json');
  await shoot(page, 'journey-6-adapters');
  const download = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Download ship log journey as a PEFT zip' }).click();
  const file = await download;
  const entries = unzipSync(await readAll(await file.createReadStream()));
  const folder = file.suggestedFilename().replace(/\.zip$/, '');
  const config = JSON.parse(new TextDecoder().decode(entries[`${folder}/adapter_config.json`]));
  expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: RANK, lora_alpha: 8, bias: 'none' });
  expect([...config.target_modules].sort()).toEqual([
    'down_proj',
    'gate_proj',
    'k_proj',
    'o_proj',
    'q_proj',
    'up_proj',
    'v_proj',
  ]);
  const header = safetensorsHeader(entries[`${folder}/adapter_model.safetensors`]);
  const shapes = targetShapes();
  for (let layer = 0; layer < layerCount(); layer++) {
    for (const [module, [out, inF]] of Object.entries(shapes)) {
      const key = `base_model.model.model.layers.${layer}.${module}`;
      expect(header[`${key}.lora_A.weight`], key).toMatchObject({ dtype: 'F32', shape: [RANK, inF] });
      expect(header[`${key}.lora_B.weight`], key).toMatchObject({ dtype: 'F32', shape: [out, RANK] });
    }
  }
  expect(Object.keys(header).filter((k) => k !== '__metadata__')).toHaveLength(layerCount() * 14);

  await row.getByRole('button', { name: 'Loss history of ship log journey' }).click();
  await expect(page.getByTestId('train-viewing')).toContainText('ship log journey');
  // The run's own settings, not the form's.
  await expect(page.getByTestId('train-viewing-settings')).toContainText(`rank ${RANK}, alpha 8`);
  await expect(page.getByTestId('train-viewing-settings')).toContainText(`${STEPS} steps`);
  expect((await lossRange(page)).points).toBe(STEPS);
  expect(requests.length).toBeGreaterThan(0);
});
