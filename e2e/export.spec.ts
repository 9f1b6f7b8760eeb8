// Export for another tool (wasm, the built-in demo model): a PEFT adapter imported into the library comes out of
// the Adapters section's export panel as a GGUF adapter zip (the GGUF that @huggingface/gguf parses, an Ollama
// Modelfile, a model card) and as the base GGUF, and the "Use it with…" panel shows commands with its real names.
import { gguf as parseGguf } from '@huggingface/gguf';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { ARTIFACTS, expect, test } from './fixtures';
import { openSection } from './helpers';
import { peftFiles } from './peft-fixture';
import { openWithModel } from './train-helpers';

const DEMO = path.resolve('public/models/lorastudio-demo');
const OUT = mkdtempSync(path.join(os.tmpdir(), 'e2e-export-'));

async function downloaded(
  page: import('@playwright/test').Page,
  click: () => Promise<void>,
): Promise<{ name: string; bytes: Uint8Array }> {
  const download = page.waitForEvent('download', { timeout: 60_000 });
  await click();
  const file = await download;
  const chunks: Buffer[] = [];
  for await (const c of (await file.createReadStream()) as AsyncIterable<Buffer>) chunks.push(c);
  return { name: file.suggestedFilename(), bytes: new Uint8Array(Buffer.concat(chunks)) };
}

test('GGUF adapter and base GGUF downloads, and copy-paste commands for each tool', async ({ page }) => {
  test.setTimeout(120_000);
  const loaded = await openWithModel(page);
  // The demo ships in public/ and is the only bundled model whose byte-level BPE tokenizer a GGUF can carry.
  expect(loaded, 'the GGUF export needs the demo model').toBe('lorastudio-demo');
  await openSection(page, 'Adapters');
  const folder = peftFiles(4, 3, DEMO, 0.1);
  await page.getByLabel('Adapter files').setInputFiles([
    { name: 'adapter_config.json', mimeType: 'application/json', buffer: folder.config },
    { name: 'adapter_model.safetensors', mimeType: 'application/octet-stream', buffer: folder.weights },
  ]);
  await expect(page.getByTestId('adapters-notice')).toContainText('Imported imported adapter');
  await page.getByRole('button', { name: 'Rename imported adapter' }).click();
  await page.getByLabel('New name for imported adapter').fill('Ship log style');
  await page.getByLabel('New name for imported adapter').press('Enter');

  const panel = page.getByTestId('export-panel');
  await expect(panel.getByTestId('use-with-ollama')).toContainText('ollama create ship-log-style -f Modelfile');
  await expect(panel.getByTestId('use-with-llama.cpp')).toContainText(
    'llama-cli -m base.gguf --lora ship-log-style.gguf',
  );
  await expect(panel.getByTestId('use-with-vllm')).toContainText('--lora-modules ship-log-style=./ship-log-style');
  await page.screenshot({ path: `${ARTIFACTS}/adapters-export.png`, fullPage: true });

  await panel.getByLabel('Format').selectOption('gguf-adapter');
  await panel.getByLabel('Precision').selectOption('F16');
  const zip = await downloaded(page, () =>
    panel.getByRole('button', { name: /^Export ship-log-style-gguf\.zip/ }).click(),
  );
  expect(zip.name).toBe('ship-log-style-gguf.zip');
  await expect(page.getByTestId('adapters-notice')).toContainText('Exported ship-log-style-gguf.zip');
  const entries = unzipSync(zip.bytes);
  expect(Object.keys(entries).sort()).toEqual([
    'ship-log-style/Modelfile',
    'ship-log-style/README.md',
    'ship-log-style/ship-log-style.gguf',
  ]);
  expect(new TextDecoder().decode(entries['ship-log-style/Modelfile'])).toContain('ADAPTER ./ship-log-style.gguf');
  const ggufFile = path.join(OUT, 'ship-log-style.gguf');
  writeFileSync(ggufFile, entries['ship-log-style/ship-log-style.gguf']);
  const adapter = await parseGguf(ggufFile, { allowLocalFile: true });
  expect(adapter.metadata).toMatchObject({
    'general.architecture': 'llama',
    'general.type': 'adapter',
    'adapter.type': 'lora',
  });
  expect(adapter.tensorInfos.map((t) => t.name)).toContain('blk.3.ffn_down.weight.lora_b');

  await panel.getByLabel('Format').selectOption('base-gguf');
  await panel.getByLabel('Precision').selectOption('Q8_0');
  const base = await downloaded(page, () => panel.getByRole('button', { name: /^Export base\.gguf/ }).click());
  expect(base.name).toBe('base.gguf');
  const baseFile = path.join(OUT, 'base.gguf');
  writeFileSync(baseFile, base.bytes);
  const parsed = await parseGguf(baseFile, { allowLocalFile: true });
  expect(parsed.metadata).toMatchObject({
    'general.architecture': 'llama',
    'tokenizer.ggml.model': 'gpt2',
    'llama.block_count': 4,
  });
});
