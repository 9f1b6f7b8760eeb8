/**
 * Runs the suites inside headless Debian Chromium: a Vite dev server for bench/ on 127.0.0.1 (COOP/COEP so wasm
 * threads work), Chromium via playwright-core (never a downloaded browser), and the page's events piped back
 * through an exposed function.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS } from '../../playwright.config';
import { BENCH_EVENT_HOOK, type BenchEvent } from '../core/protocol';
import type { BenchOptions, BenchResult } from '../core/types';

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when this machine has a GPU Chromium can drive through Vulkan (NVIDIA or a DRM render node). */
export function hasHardwareGpu(): boolean {
  return fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/dri/renderD128');
}

/** Chromium flags: the e2e ones (quiet, WebGPU on), eager memory measurement, Vulkan when a real GPU is present. */
export function chromiumArgs(hardwareGpu: boolean): string[] {
  const args = [
    ...CHROMIUM_ARGS,
    // performance.measureUserAgentSpecificMemory() answers at once instead of waiting for a GC.
    '--enable-blink-features=ForceEagerMeasureMemory',
  ];
  if (hardwareGpu) args.push('--enable-features=Vulkan');
  return args;
}

async function startServer(): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    configFile: path.join(benchDir, 'vite.config.ts'),
    server: { port: 0, strictPort: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('bench: Vite did not report a TCP port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

function queryOf(opts: BenchOptions): string {
  const q = new URLSearchParams({
    backend: opts.backend,
    model: opts.model,
    quick: opts.quick ? '1' : '0',
    suites: opts.suites.join(','),
  });
  if (opts.realShapes?.length) q.set('realShapes', JSON.stringify(opts.realShapes));
  if (opts.threads) q.set('threads', String(opts.threads));
  if (opts.threadPool) q.set('threadPool', opts.threadPool);
  return q.toString();
}

/** Runs the bench in Chromium; `onEvent` sees every event (progress printing). Resolves with the result. */
export async function runInBrowser(
  opts: BenchOptions,
  onEvent: (e: BenchEvent) => void,
  verbose: boolean,
): Promise<BenchResult> {
  const { server, url } = await startServer();
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(hasHardwareGpu()) });
    const page = await browser.newPage();
    if (verbose) page.on('console', (m) => console.error(`[page] ${m.text()}`));
    let resolveDone!: (r: BenchResult) => void;
    let rejectDone!: (e: Error) => void;
    const done = new Promise<BenchResult>((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    page.on('pageerror', (e) => rejectDone(new Error(`bench page error: ${e.message}`)));
    page.on('crash', () => rejectDone(new Error('bench page crashed (out of memory?)')));
    // Exposed before navigation so the page script finds the hook when it starts the worker.
    await page.exposeFunction(BENCH_EVENT_HOOK, (ev: BenchEvent) => {
      onEvent(ev);
      if (ev.kind === 'done') resolveDone(ev.result);
      if (ev.kind === 'error') rejectDone(new Error(`bench worker: ${ev.message}\n${ev.stack ?? ''}`));
    });
    await page.goto(`${url}?${queryOf(opts)}`);
    return await done;
  } finally {
    await browser?.close();
    await server.close();
  }
}
