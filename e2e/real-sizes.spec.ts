// Real model sizes, end to end: random-weight checkpoints with the exact published shapes of SmolLM2-135M and
// Qwen2.5-0.5B (scripts/real-shapes, generated into .cache on first use, a few seconds) download through the hub
// loader from a local hub server (the real path: model API, Range requests, the browser cache), load on WebGPU
// (SwiftShader here) or wasm, train a 2-step LoRA run at seq 8 (finite loss, adapter saved) and write a 4-token
// end-of-run sample. Short sequences keep SwiftShader's share to minutes: every product then has ≤ 16 rows and runs
// our barrier-free few-row kernels (f32 base; the f16 LM head), and real-GPU speed is the bench's job.
import type { Page } from '@playwright/test';
import { ensureRealShapes } from '../scripts/real-shapes/real-shapes';
import { startHubServer, type HubServer } from '../scripts/hub-server';
import { expect, test } from './fixtures';
import { saveSettings } from './helpers';
import { fillTrainForm, prepareJsonlLines, shoot, trainToFinish } from './train-helpers';

const MODELS = { smollm2: 'HuggingFaceTB/SmolLM2-135M', qwen: 'Qwen/Qwen2.5-0.5B' } as const;
const LINES = Array.from({ length: 8 }, (_, i) =>
  JSON.stringify({ text: `Call me Ishmael ${i}. The whale swam north and the ship followed.` }),
);

let hub: HubServer;
test.beforeAll(async () => {
  // A clean clone generates ~1.2 GB of bf16 checkpoints here, beside the unit tests (scripts/test.sh).
  test.setTimeout(300_000);
  const [smollm2, qwen] = await Promise.all([ensureRealShapes('smollm2-135m'), ensureRealShapes('qwen2.5-0.5b')]);
  hub = await startHubServer({ repos: { [MODELS.smollm2]: { dir: smollm2 }, [MODELS.qwen]: { dir: qwen } } });
});
test.afterAll(async () => hub?.close());

/** Opens the studio on `backend` and loads `repo` from the local hub as `quant`. */
async function loadFromHub(
  page: Page,
  backend: 'webgpu' | 'wasm',
  repo: string,
  quant: 'F32' | 'INT8',
  family: string,
): Promise<void> {
  await saveSettings(page, { theme: 'light', backend });
  await page.goto('/#model');
  await expect(page.getByTestId('engine-backend')).toHaveText(backend);
  await page.getByRole('radio', { name: 'Hugging Face' }).check();
  await page.getByLabel('Hub endpoint').fill(hub.url);
  await page.getByLabel('Repo id').fill(repo);
  await page.getByLabel('Revision').fill('main');
  await expect(page.getByTestId('model-facts')).toContainText(family);
  await page.getByRole('radio', { name: new RegExp(`^${quant}`) }).check();
  await page.getByRole('button', { name: /Load (model|this model instead)/ }).click();
  await expect(page.getByTestId('model-loaded')).toContainText(`${repo}@main (${quant})`, { timeout: 600_000 });
  await expect(page.getByTestId('engine-backend')).toHaveText(backend);
  // The weights came through the hub's resolve endpoint (the studio's download path), not a dropped file.
  const weights = hub.requests.filter(
    (r) => r.url.startsWith(`/${repo}/resolve/main/model.safetensors`) && r.method === 'GET' && r.status < 300,
  );
  expect(weights.length).toBeGreaterThan(0);
}

/** A 2-step LoRA run at seq 8 with a 4-token end-of-run sample; checks loss, adapter and sample. */
async function trainTwoSteps(page: Page, name: string): Promise<void> {
  await prepareJsonlLines(page, 'ishmael.jsonl', LINES, 8);

  await fillTrainForm(page, {
    steps: 2,
    name,
    sampleEvery: 0,
    checkpointEvery: 1,
    seqLen: 8,
    lr: 1e-3,
    batch: 1,
    prompt: 'The whale',
    sampleTokens: 4,
  });
  const loss = await trainToFinish(page, name, 1_200_000);
  expect(loss.points).toBe(2);
  expect(Number.isFinite(loss.first) && Number.isFinite(loss.last)).toBe(true);
  // Random bf16 weights (std 0.02) predict nearly uniformly: the loss sits near ln(vocab).
  expect(loss.first).toBeGreaterThan(5);
  await expect(page.getByTestId('train-checkpoint')).toHaveText('checkpoint at step 2');
  await expect(page.getByTestId('sample-step')).toHaveCount(1);
  await expect(page.getByTestId('sample-step').locator('.sample-text')).not.toBeEmpty();
}

test('SmolLM2-135M shapes: hub download, WebGPU (F32), 2 LoRA steps at seq 8, 4-token sample', async ({ page }) => {
  test.setTimeout(1_800_000);
  await loadFromHub(page, 'webgpu', MODELS.smollm2, 'F32', 'llama');
  await trainTwoSteps(page, 'smollm2 webgpu');
  await shoot(page, 'real-sizes-smollm2-webgpu');
});

test('SmolLM2-135M shapes: hub download, wasm (INT8), 2 LoRA steps at seq 8, 4-token sample', async ({ page }) => {
  test.setTimeout(1_800_000);
  await loadFromHub(page, 'wasm', MODELS.smollm2, 'INT8', 'llama');
  await trainTwoSteps(page, 'smollm2 wasm');
});

test('Qwen2.5-0.5B shapes (151936-token vocab, q/k/v biases): hub download, WebGPU (F32), 2 LoRA steps, 4-token sample', async ({
  page,
}) => {
  test.setTimeout(2_400_000);
  await loadFromHub(page, 'webgpu', MODELS.qwen, 'F32', 'qwen2');
  await trainTwoSteps(page, 'qwen webgpu');
});
