// The studio frame: every section opens, themes switch and persist, status bar shows backend and storage.
import { ARTIFACTS, expect, test } from './fixtures';

const SECTIONS = ['Model', 'Data', 'Train', 'Generate', 'Evaluate', 'Adapters'];

test('every section opens and is screenshotted, in light and dark', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  await expect(page.getByTestId('engine-backend')).toHaveText(/wasm|webgpu/);
  for (const name of SECTIONS) {
    await page.getByRole('navigation', { name: 'Studio sections' }).getByRole('link', { name }).click();
    await expect(page.getByRole('heading', { level: 2, name })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`#${name.toLowerCase()}$`));
    await page.screenshot({ path: `${ARTIFACTS}/section-${name.toLowerCase()}-light.png` });
  }
  await expect(page.getByText(/^Storage: .+ of .+/)).toBeVisible();
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: `${ARTIFACTS}/section-adapters-dark.png` });
});

test('the theme toggle overrides the system theme and persists', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto('/#train');
  await expect(page.getByRole('heading', { level: 2, name: 'Train' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByRole('button', { name: /^Theme: system/ }).click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await expect(page.getByRole('button', { name: /^Theme: light/ })).toBeVisible();
});
