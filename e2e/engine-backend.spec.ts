// The engine worker starts, picks its backend, and computes correctly; the choice can be overridden and persists.
import { ARTIFACTS, expect, test } from './fixtures';

test('the engine worker reports wasm on a software WebGPU adapter (SwiftShader)', async ({ page, requests }) => {
  await page.goto('/');
  await expect(page.getByTestId('engine-backend')).toHaveText('wasm');
  await expect(page.getByTestId('engine-status')).toContainText('software WebGPU adapter');
  await expect(page.getByTestId('status-backend')).toContainText('wasm · SIMD');
  // Every core computes: the thread count shown is the pool tfjs really started, navigator.hardwareConcurrency.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(page.getByTestId('status-backend')).toContainText(`${cores} thread${cores === 1 ? '' : 's'}`);
  // The worker fetched its wasm binary from our server (proves worker requests are observed too).
  expect(requests.some((u) => u.endsWith('.wasm'))).toBe(true);
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  await page.getByRole('button', { name: /Show engine details/ }).click();
  await expect(page.getByTestId('panel-backend')).toHaveText('wasm');
  await page.getByRole('button', { name: 'Check backend' }).click();
  await expect(page.getByTestId('check-result')).toContainText(/^OK: wasm matmul 8×64×8/);
  await page.screenshot({ path: `${ARTIFACTS}/engine-wasm.png` });
  // Escape closes the panel and gives focus back to its button; so does going to another section.
  const panel = page.getByRole('dialog', { name: 'Engine details' });
  await page.keyboard.press('Escape');
  await expect(panel).toHaveCount(0);
  await expect(page.getByRole('button', { name: /Show engine details/ })).toBeFocused();
  await page.getByRole('button', { name: /Show engine details/ }).click();
  await expect(panel).toBeVisible();
  await page.getByRole('navigation', { name: 'Studio sections' }).getByRole('link', { name: 'Train' }).click();
  await expect(panel).toHaveCount(0);
});

test('forcing WebGPU runs a matmul in the worker that matches the CPU, and the choice persists', async ({
  page,
  requests,
}) => {
  await page.goto('/');
  await expect(page.getByTestId('engine-backend')).toHaveText('wasm');
  await page.getByRole('button', { name: /Show engine details/ }).click();
  await page.getByLabel('Compute backend').selectOption('webgpu');
  await expect(page.getByTestId('engine-backend')).toHaveText('webgpu');
  await expect(page.getByTestId('engine-status')).toContainText('WebGPU chosen by the user');
  await expect(page.getByTestId('status-backend')).toContainText('webgpu · google swiftshader');
  await page.getByRole('button', { name: 'Check backend' }).click();
  await expect(page.getByTestId('check-result')).toContainText(/^OK: webgpu matmul 8×64×8, max \|Δ\| /);
  await page.screenshot({ path: `${ARTIFACTS}/engine-webgpu.png` });
  await page.reload();
  await expect(page.getByTestId('engine-backend')).toHaveText('webgpu');
  expect(requests.length).toBeGreaterThan(0);
});
