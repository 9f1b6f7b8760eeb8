// Generate section: streaming, base vs adapter side by side with one seed (they differ), the mixer's weight
// applied without reloading (weight 0 = the base's text), stop, and chat mode only when the model has a template.
import { ARTIFACTS, expect, test } from './fixtures';
import { loadFixtureModel, openSection } from './helpers';
import { peftZip } from './peft-fixture';
import { loadTinyChatModel } from './tiny-chat-model';

test('base vs adapter with one seed; the mix weight applies live; text stays text', async ({ page }) => {
  await loadFixtureModel(page);
  await openSection(page, 'Adapters');
  await page
    .getByLabel('Adapter files')
    .setInputFiles({ name: 'style.zip', mimeType: 'application/zip', buffer: peftZip('style', 4, 5) });
  await expect(page.getByTestId('adapters-notice')).toContainText('Imported style');

  await openSection(page, 'Generate');
  // The fixture has no chat template: chat mode is offered only when there is one.
  await expect(page.getByRole('radio', { name: 'Chat' })).toBeDisabled();
  await page.getByLabel('Use adapter style').check();
  await expect(page.getByLabel('Weight of style')).toHaveValue('1');
  await page.getByLabel('Prompt', { exact: true }).fill('<b>hello</b> the');
  await page.getByLabel('Max new tokens').fill('24');
  await page.getByRole('button', { name: 'Generate' }).click();
  const base = page.getByTestId('output-base-text');
  const tuned = page.getByTestId('output-adapters-text');
  await expect(page.getByTestId('output-base-stats')).toContainText('seed 42');
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed 42');
  const baseText = await base.textContent();
  const tunedText = await tuned.textContent();
  expect(baseText!.length).toBeGreaterThan(0);
  expect(tunedText).not.toBe(baseText);
  // Generated text is never HTML: nothing but text nodes (and the caret while running) inside the output.
  expect(await page.getByTestId('output-base').locator('.output-text b, .output-text script').count()).toBe(0);
  await page.screenshot({ path: `${ARTIFACTS}/generate-compare.png` });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${ARTIFACTS}/generate-compare-dark.png` });
  await page.emulateMedia({ colorScheme: 'light' });

  // Same seed again: the base repeats itself exactly.
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-base-stats')).toContainText('seed 42');
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed 42');
  expect(await base.textContent()).toBe(baseText);

  // Weight 0 on the only adapter: the "with adapters" side now writes exactly what the base writes.
  await page.getByLabel('Weight of style').fill('0');
  await expect(page.getByText('0.00')).toBeVisible();
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-adapters-stats')).toContainText('seed 42');
  expect(await tuned.textContent()).toBe(baseText);
});

test('stop ends a long generation and keeps what was written', async ({ page }) => {
  await loadFixtureModel(page);
  await openSection(page, 'Generate');
  await page.getByLabel('Base and adapters side by side').uncheck();
  await page.getByLabel('Max new tokens').fill('2000');
  // Stop is clicked in the page as the first text appears: the fixture's context (256 tokens) ends a generation in
  // well under a second on wasm, sooner than a click from here lands on a loaded machine.
  await page.evaluate(() => {
    const out = document.querySelector('[data-testid="output-base-text"]')!;
    new MutationObserver((_, observer) => {
      if (!out.textContent) return;
      observer.disconnect();
      [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Stop')!.click();
    }).observe(out, { childList: true, characterData: true, subtree: true });
  });
  await page.getByRole('button', { name: 'Generate' }).click();
  await expect(page.getByTestId('output-base-stats')).toContainText('stopped');
  await expect(page.getByTestId('output-base-text')).not.toBeEmpty();
  await page.screenshot({ path: `${ARTIFACTS}/generate-stopped.png` });
});

test('chat mode with a model that has a chat template: the conversation grows turn by turn', async ({ page }) => {
  await loadTinyChatModel(page);
  await openSection(page, 'Generate');
  await page.getByRole('radio', { name: 'Chat' }).check();
  await page.getByLabel('Base and adapters side by side').uncheck();
  await page.getByLabel('System prompt').fill('You are terse.');
  await page.getByLabel('Max new tokens').fill('8');
  await page.getByLabel('Your message').fill('Ahoy there');
  await page.getByRole('button', { name: 'Send' }).click();
  const log = page.getByRole('list', { name: 'Conversation' });
  await expect(log.getByRole('listitem')).toHaveCount(2);
  await expect(log.getByRole('listitem').nth(0)).toContainText('Ahoy there');
  await expect(page.getByTestId('output-base-stats')).toContainText('prompt');
  await page.getByLabel('Your message').fill('And then?');
  await page.getByRole('button', { name: 'Send' }).click();
  await expect(log.getByRole('listitem')).toHaveCount(4);
  await page.screenshot({ path: `${ARTIFACTS}/generate-chat.png` });
});
