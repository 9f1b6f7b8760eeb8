/**
 * Drives a second copy of the BUILT engine worker (dist/assets/engine.worker-*.js) from the page over the real
 * wire protocol (src/protocol/messages.ts), for journeys the UI does not expose: forcing a backend for a check,
 * scoring a sequence against PyTorch goldens. The worker is the studio's own bundle, started in the studio's
 * origin (COOP/COEP), exactly as app/engine.ts starts it; only the client side is this small stand-in.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { EngineEvent, Params, RequestKind, Result } from '../src/protocol/messages';
import type { QuantMode } from '../src/spec/modules';
import type { EmbeddingMode, ModelInfo } from '../src/protocol/model-types';

/** The built worker's URL path, found in the production build that scripts/e2e.sh made. */
export function builtEngineWorkerPath(): string {
  const assets = path.resolve('dist/assets');
  const file = readdirSync(assets).find((n) => /^engine\.worker-[\w-]+\.js$/.test(n));
  if (!file)
    throw new Error(`no engine.worker-*.js in ${assets}: run the production build first (scripts/e2e.sh does)`);
  return `/assets/${file}`;
}

/** A checkpoint's files, base64 so they cross into the page (the page turns them into Blobs, as a drop would). */
export interface FixtureFile {
  name: string;
  base64: string;
}

/** Reads `dir`'s model files (not golden.json), plus `extra` files from elsewhere, by file name. */
export function fixtureFiles(dir: string, extra: string[] = []): FixtureFile[] {
  const names = readdirSync(dir)
    .filter((n) => n !== 'golden.json')
    .map((n) => path.join(dir, n));
  return [...names, ...extra].map((p) => ({ name: path.basename(p), base64: readFileSync(p).toString('base64') }));
}

/** What the page-side stand-in keeps on `window`. */
interface RawEngine {
  request(kind: string, params: unknown): Promise<unknown>;
  loadFiles(name: string, files: FixtureFile[], quant: string, embeddings: string): Promise<unknown>;
  events: EngineEvent[];
}

/** Starts the built engine worker in the page and waits for its `ready`. */
export async function startEngineWorker(page: Page): Promise<void> {
  await page.evaluate(async (url) => {
    const worker = new Worker(url, { type: 'module', name: 'engine-under-test' });
    const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
    const events: EngineEvent[] = [];
    let nextId = 1;
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((r) => (onReady = r));
    worker.addEventListener('message', (e: MessageEvent) => {
      const m = e.data;
      if (m.type === 'ready') onReady();
      else if (m.type === 'event') events.push(m.event);
      else if (m.type === 'result') pending.get(m.id)?.resolve(m.result);
      else if (m.type === 'error')
        pending
          .get(m.id)
          ?.reject(Object.assign(new Error(`${m.error.name}: ${m.error.message} ${m.error.detail ?? ''}`)));
    });
    const request = (kind: string, params: unknown) =>
      new Promise<unknown>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ type: 'request', id, kind, params });
      });
    const loadFiles = (name: string, files: FixtureFile[], quant: string, embeddings: string) => {
      const named = files.map((f) => ({
        name: f.name,
        blob: new Blob([Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0))]),
      }));
      return request('loadModel', { source: { kind: 'files', name, files: named }, quant, embeddings });
    };
    const raw: RawEngine = { request, loadFiles, events };
    (globalThis as unknown as { rawEngine: RawEngine }).rawEngine = raw;
    await ready;
  }, builtEngineWorkerPath());
}

/** One request to the worker; rejects with "ErrorName: message detail" when the engine answers with an error. */
export async function engineRequest<K extends RequestKind>(page: Page, kind: K, params: Params<K>): Promise<Result<K>> {
  const result = await page.evaluate(
    ([k, p]) => (globalThis as unknown as { rawEngine: RawEngine }).rawEngine.request(k, p),
    [kind, params] as const,
  );
  return result as Result<K>;
}

/** `loadModel` with the files dropped as Blobs (the Model section's "Local files" source). */
export async function loadModelFiles(
  page: Page,
  name: string,
  files: FixtureFile[],
  quant: QuantMode,
  embeddings: EmbeddingMode,
): Promise<ModelInfo> {
  const info = await page.evaluate(
    ([n, f, q, e]) => (globalThis as unknown as { rawEngine: RawEngine }).rawEngine.loadFiles(n, f, q, e),
    [name, files, quant, embeddings] as const,
  );
  return info as ModelInfo;
}

/** Events the worker has sent so far. */
export async function engineEvents(page: Page): Promise<EngineEvent[]> {
  return page.evaluate(() => (globalThis as unknown as { rawEngine: RawEngine }).rawEngine.events);
}
