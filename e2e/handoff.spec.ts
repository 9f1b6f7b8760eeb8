// Outgrow the browser, in the studio: the Train section compares this device with GPUs, exports the run as an
// axolotl/TRL job zip, and the adapter a cluster sends back (adapter + run marker + trainer_state.json) imports
// into the library, filed under the run with the cluster's loss curve.
import { strFromU8, unzipSync, zipSync } from 'fflate';
import { load } from 'js-yaml';
import { expect, test } from './fixtures';
import { openSection, saveSettings } from './helpers';
import { fillTrainForm, openWithModel, prepareShipLog, shoot } from './train-helpers';

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return new Uint8Array(Buffer.concat(chunks));
}

test('hand-off: export the run as a job, then import what the cluster returns', async ({ page }) => {
  test.setTimeout(300_000);
  await saveSettings(page, { theme: 'light', backend: 'wasm' });
  await openWithModel(page);
  await prepareShipLog(page, 128);
  await fillTrainForm(page, { steps: 4, name: 'ship log cluster', sampleEvery: 0, checkpointEvery: 0, seqLen: 64 });

  // Before any run: GPU times from FLOPs; this device unmeasured.
  const panel = page.getByTestId('scale-out');
  await expect(panel.getByTestId('scale-out-times')).toContainText('A100 80GB');
  await expect(panel.getByTestId('scale-out-times')).toContainText('measured after a run');

  // Export the form's run as a job.
  await panel.getByLabel('Hugging Face id of the base').fill('HuggingFaceTB/SmolLM2-135M-Instruct');
  const download = page.waitForEvent('download');
  await panel.getByRole('button', { name: 'Export job (axolotl + TRL)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^job-job-[\w-]+\.zip$/);
  const entries = unzipSync(await readAll(await file.createReadStream()));
  const folder = file.suggestedFilename().replace(/\.zip$/, '');
  const read = (name: string) => strFromU8(entries[`${folder}/${name}`]);
  const yaml = load(read('axolotl.yaml')) as Record<string, unknown>;
  expect(yaml).toMatchObject({
    base_model: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    lora_r: 4,
    lora_alpha: 8,
    max_steps: 4,
    sequence_len: 64,
    train_on_inputs: false,
  });
  const train = read('data/train.jsonl')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { segments: { label: boolean; text: string }[] });
  const trainExamples = Number(
    (await page.getByTestId('train-estimate').textContent())!.match(/over ([\d,]+) examples/)![1].replace(/,/g, ''),
  );
  expect(train).toHaveLength(trainExamples);
  // Every record: an untrained prompt, then the trained JSON answer.
  expect(train[0].segments.some((s) => s.label && s.text.includes('"ship"'))).toBe(true);
  expect(train[0].segments[0].label).toBe(false);
  await expect(panel.getByTestId('scale-out-result')).toContainText('bash launch.sh');
  const marker = JSON.parse(read('lora-studio-run.json')) as { runId: string };
  await shoot(page, 'handoff-1-export');

  // A short run measures this device; the panel then gives its time here.
  await page.getByRole('button', { name: 'Start training' }).click();
  await expect(page.getByTestId('train-status')).toHaveText('Finished', { timeout: 240_000 });
  await expect(panel.getByTestId('scale-out-times')).toContainText('tokens/s measured');

  // What the cluster sends back: the adapter (here the one just trained), the job's run marker, and the trainer state.
  await openSection(page, 'Adapters');
  const row = page.getByTestId('adapter-row').filter({ hasText: 'ship log cluster' });
  const adapterZip = page.waitForEvent('download');
  await row.getByRole('button', { name: 'Download ship log cluster as a PEFT zip' }).click();
  const adapter = unzipSync(await readAll(await (await adapterZip).createReadStream()));
  const pick = (suffix: string) => Object.entries(adapter).find(([n]) => n.endsWith(suffix))![1];
  const state = {
    log_history: [1, 2, 3, 4, 5, 6].map((step) => ({ step, loss: 3 - step * 0.3, learning_rate: 1e-4 })),
  };
  const returned = zipSync({
    [`${marker.runId}/adapter_config.json`]: pick('adapter_config.json'),
    [`${marker.runId}/adapter_model.safetensors`]: pick('adapter_model.safetensors'),
    [`${marker.runId}/lora-studio-run.json`]: new TextEncoder().encode(read('lora-studio-run.json')),
    [`${marker.runId}/trainer_state.json`]: new TextEncoder().encode(JSON.stringify(state)),
  });
  await page
    .getByLabel('Adapter files')
    .setInputFiles({ name: `${marker.runId}.zip`, mimeType: 'application/zip', buffer: Buffer.from(returned) });
  await expect(page.getByTestId('adapters-notice')).toContainText(`Imported ${marker.runId}`);
  const back = page.getByTestId('adapter-row').filter({ hasText: marker.runId });
  await back.getByRole('button', { name: `Loss history of ${marker.runId}` }).click();
  await expect(page.getByTestId('train-viewing')).toContainText('(cluster)');
  await expect(page.getByTestId('loss-summary')).toHaveAttribute('data-points', '6');
  await shoot(page, 'handoff-2-returned');
});
