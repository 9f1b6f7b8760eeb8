// Adapters section: import a PEFT folder and a zip, rename, duplicate, merge (concat and SVD), download a zip that
// parses and matches the shapes, and the library after a reload.
import { unzipSync } from 'fflate';
import { ARTIFACTS, expect, test } from './fixtures';
import { loadFixtureModel, openSection } from './helpers';
import { fixtureShapes, peftFiles, peftZip } from './peft-fixture';

function safetensorsHeader(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
}

test('import, rename, duplicate, merge, download, and the library after a reload', async ({ page }) => {
  await loadFixtureModel(page);
  await openSection(page, 'Adapters');
  await expect(page.getByText('No adapters yet.')).toBeVisible();
  // A PEFT folder's two files, then a zipped folder.
  const folder = peftFiles(4, 11);
  await page.getByLabel('Adapter files').setInputFiles([
    { name: 'adapter_config.json', mimeType: 'application/json', buffer: folder.config },
    { name: 'adapter_model.safetensors', mimeType: 'application/octet-stream', buffer: folder.weights },
  ]);
  await expect(page.getByTestId('adapters-notice')).toContainText('Imported imported adapter');
  await page
    .getByLabel('Adapter files')
    .setInputFiles({ name: 'style-b.zip', mimeType: 'application/zip', buffer: peftZip('style-b', 2, 22) });
  await expect(page.getByTestId('adapters-notice')).toContainText('Imported style-b');
  const rows = page.getByTestId('adapter-row');
  await expect(rows).toHaveCount(2);

  await page.getByRole('button', { name: 'Rename imported adapter' }).click();
  await page.getByLabel('New name for imported adapter').fill('style-a');
  await page.getByLabel('New name for imported adapter').press('Enter');
  await expect(rows.filter({ hasText: 'style-a' })).toHaveCount(1);
  await page.getByRole('button', { name: 'Duplicate style-a' }).click();
  await expect(page.getByTestId('adapters-notice')).toContainText('Created style-a (copy)');

  await page.getByLabel('Select style-a for merging', { exact: true }).check();
  await page.getByLabel('Select style-b for merging').check();
  await page.getByLabel('Merge weight of style-b').fill('0.5');
  await page.getByLabel('New adapter name').fill('a+b');
  await page.getByRole('button', { name: /^Merge 2 adapters/ }).click();
  await expect(page.getByTestId('adapters-notice')).toContainText('Created a+b (rank 6)');
  await page.getByLabel('Select style-a for merging', { exact: true }).check();
  await page.getByLabel('Select style-b for merging').check();
  await page.getByRole('radio', { name: 'Weighted SVD' }).check();
  await page.getByLabel('Rank', { exact: true }).fill('3');
  await page.getByLabel('New adapter name').fill('a+b svd');
  await page.getByRole('button', { name: /^Merge 2 adapters/ }).click();
  await expect(page.getByTestId('adapters-notice')).toContainText('Created a+b svd (rank 3)');
  await expect(rows).toHaveCount(5);
  await page.screenshot({ path: `${ARTIFACTS}/adapters-library.png` });

  // Download the merged adapter as a zip: both PEFT files, shapes of the trained (here merged) rank.
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download a+b as a PEFT zip' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('a-b.zip');
  const entries = unzipSync(new Uint8Array(await streamBytes(await file.createReadStream())));
  const config = JSON.parse(new TextDecoder().decode(entries['a-b/adapter_config.json']));
  expect(config).toMatchObject({ peft_type: 'LORA', r: 6 });
  const header = safetensorsHeader(entries['a-b/adapter_model.safetensors']);
  const [out, inF] = fixtureShapes()['self_attn.q_proj'];
  expect(header['base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'].shape).toEqual([6, inF]);
  expect(header['base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight'].shape).toEqual([out, 6]);

  await page.reload();
  await openSection(page, 'Adapters');
  await expect(rows).toHaveCount(5);
  await page.getByRole('button', { name: 'Delete a+b svd' }).click();
  await page.getByRole('button', { name: 'Really delete a+b svd' }).click();
  await expect(rows).toHaveCount(4);
});

test('an adapter for another model is refused with the reason', async ({ page }) => {
  await loadFixtureModel(page);
  await openSection(page, 'Adapters');
  const wrong = peftFiles(4, 1);
  const json = JSON.parse(wrong.config.toString());
  const bad = Buffer.from(wrong.weights.toString('latin1').replaceAll('layers.1.', 'layers.9.'), 'latin1');
  await page.getByLabel('Adapter files').setInputFiles([
    { name: 'adapter_config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) },
    { name: 'adapter_model.safetensors', mimeType: 'application/octet-stream', buffer: bad },
  ]);
  await expect(page.getByTestId('adapters-error')).toContainText('trained for a different model');
});

async function streamBytes(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
