// The training step on the WebGPU backend (SwiftShader in headless Chromium): the committed tiny Llama fixture
// (hidden 32, 2 layers) learns a dataset the test writes itself, with checkpoints and an end-of-run sample, and the
// adapter is saved. Tiny shapes and an F32 base: SwiftShader compiles each WGSL pipeline slowly (an INT8 base's
// kernels add ~30 s of compiling to the first step); quantized-base training on WebGPU is covered by
// src/train/trainer.webgpu.test.ts (NF4, Dawn).
import { expect, test } from './fixtures';
import { FIXTURE_MODEL_FILES, loadLocalModelOnWebGpu } from './helpers';
import { fillTrainForm, prepareJsonlLines, shoot, trainToFinish } from './train-helpers';

const STEPS = 4;
const LINES = Array.from({ length: 24 }, (_, i) =>
  JSON.stringify({ prompt: `Q${i % 3}:`, completion: ' yes yes yes' }),
);

test('a LoRA run trains on WebGPU (SwiftShader): loss falls, checkpoints, end sample, adapter saved', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await loadLocalModelOnWebGpu(page, FIXTURE_MODEL_FILES);
  await prepareJsonlLines(page, 'yes.jsonl', LINES, 32);

  await fillTrainForm(page, {
    steps: STEPS,
    name: 'webgpu yes',
    sampleEvery: 0,
    checkpointEvery: 2,
    seqLen: 32,
    lr: 1e-2,
    batch: 4,
    prompt: 'Q1:',
    sampleTokens: 4,
  });
  const loss = await trainToFinish(page, 'webgpu yes', 200_000);
  expect(loss.points).toBe(STEPS);
  expect(loss.last).toBeLessThan(loss.first * 0.8);
  await expect(page.getByTestId('train-checkpoint')).toHaveText(`checkpoint at step ${STEPS}`);
  await expect(page.getByTestId('sample-step')).toHaveCount(1);
  // WebGPU reports the bytes it holds; the run shows them (GPU memory per step).
  await expect(page.getByTestId('train-progress')).toContainText('on the device');
  await shoot(page, 'train-webgpu');
});
