/**
 * End-to-end tests: the built app (`vite preview`, COOP/COEP headers) in Debian's Chromium, headless, never a
 * downloaded browser. WebGPU is enabled (SwiftShader, a software adapter, on machines without a GPU).
 */
import { defineConfig } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 4319);
const baseURL = `http://127.0.0.1:${port}`;

/** Chromium flags: quiet (no background network), WebGPU on. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
];

// scripts/test.sh runs the real-size spec in a second Playwright process beside the rest (its own port, report
// and output folder: Playwright empties its output folder on start) and leaves it out of the main run.
const jsonReport = process.env.E2E_JSON ?? 'test-results/e2e.json';
const outputDir = process.env.E2E_OUTPUT ?? 'test-results/e2e';
const testIgnore = process.env.E2E_IGNORE ? process.env.E2E_IGNORE.split(',') : [];

export default defineConfig({
  testDir: 'e2e',
  testIgnore,
  outputDir,
  timeout: 120_000,
  expect: { timeout: 60_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: jsonReport }]],
  use: {
    baseURL,
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
  webServer: {
    command: `npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: baseURL,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
  },
});
