// Model section journeys: the built-in demo on open, dropped local files, and a Hugging Face repo through a
// local hub endpoint (gated: the token is asked for, then the download shows bytes and speed).
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startHubServer, type HubServer } from '../scripts/hub-server';
import { ARTIFACTS, expect, test } from './fixtures';

const FIXTURE = path.resolve('fixtures/models/llama-tied');
const FIXTURE_FILES = readdirSync(FIXTURE)
  .filter((n) => n !== 'golden.json')
  .map((n) => path.join(FIXTURE, n));
const DEMO_WEIGHTS = path.resolve('public/models/lorastudio-demo/model.safetensors');

test('the built-in demo is the default and loads on open (or says exactly what is missing)', async ({ page }) => {
  await page.goto('/#model');
  await expect(page.getByRole('heading', { level: 2, name: 'Model' })).toBeVisible();
  await expect(page.getByRole('radio', { name: 'Built-in demo' })).toBeChecked();
  // The section does not promise a GPU the machine may not have.
  await expect(page.getByText('how its frozen weights are quantized')).toBeVisible();
  if (existsSync(DEMO_WEIGHTS)) {
    await expect(page.getByTestId('model-loaded')).toContainText('lorastudio-demo');
    await expect(page.getByTestId('model-facts')).toContainText('LlamaForCausalLM');
    // The mode shown selected (the suggested one) is the mode it loaded in.
    const loaded = (await page.getByTestId('model-loaded').textContent())!.match(/\((\w+)\)/)![1];
    await expect(page.getByRole('radio', { name: new RegExp(`^${loaded}`) })).toBeChecked();
    await expect(page.locator('.quant-choice.selected')).toContainText('Suggested.');
  } else {
    // A build without the demo's weights: the error names the file, where the load happened.
    await expect(page.getByTestId('model-error')).toContainText(/lorastudio-demo\/(config\.json|model\.safetensors)/);
  }
  await page.screenshot({ path: `${ARTIFACTS}/model-builtin.png`, fullPage: true });
});

test('dropped model files: facts, memory per quantization, loaded as NF4', async ({ page }) => {
  await page.goto('/#model');
  await page.getByRole('radio', { name: 'Local files' }).check();
  await page.getByLabel('Model files').setInputFiles(FIXTURE_FILES);
  await expect(page.getByTestId('model-dropped')).toContainText('4 files');
  await expect(page.getByTestId('model-facts')).toContainText('llama');
  await expect(page.getByTestId('device-budget')).toContainText(/Device: (wasm|webgpu)/);
  await page.getByRole('radio', { name: /^NF4/ }).check();
  await page.getByRole('button', { name: /Load (model|this model instead)/ }).click();
  await expect(page.getByTestId('model-loaded')).toContainText('local model (NF4)');
  await expect(page.getByTestId('model-chat-template')).toBeVisible();
  await expect(page.getByTestId('model-facts')).toContainText('NF4 weights');
  await page.screenshot({ path: `${ARTIFACTS}/model-local-files.png`, fullPage: true });
});

test.describe('Hugging Face', () => {
  let hub: HubServer;
  test.beforeAll(async () => {
    hub = await startHubServer({ repos: { 'studio-test/tiny-llama': { dir: FIXTURE, gated: true } } });
  });
  test.afterAll(async () => hub.close());

  test('a gated repo asks for a token; with it the model downloads and loads', async ({ page }) => {
    await page.goto('/#model');
    await page.getByRole('radio', { name: 'Hugging Face' }).check();
    await page.getByLabel('Hub endpoint').fill(hub.url);
    await page.getByLabel('Repo id').fill('studio-test/tiny-llama');
    await page.getByLabel('Revision').fill('main');
    await expect(page.getByTestId('model-inspect-error')).toContainText(/token/i);
    await page.getByLabel('Access token').fill('hf_test_token');
    await page.getByLabel('Repo id').focus();
    await page.getByLabel('Revision').focus();
    await expect(page.getByTestId('model-facts')).toContainText('llama');
    await page.getByRole('button', { name: /Load (model|this model instead)/ }).click();
    await expect(page.getByTestId('model-loaded')).toContainText('studio-test/tiny-llama@main');
    // The weights came from the hub endpoint, with the token (and only there: the fixture checks no other host).
    const weights = hub.requests.filter((r) => r.url.includes('/resolve/main/model.safetensors') && r.method === 'GET');
    expect(weights.length).toBeGreaterThan(0);
    expect(weights.every((r) => r.authorization === 'Bearer hf_test_token')).toBe(true);
    await page.screenshot({ path: `${ARTIFACTS}/model-hub.png`, fullPage: true });
  });
});
