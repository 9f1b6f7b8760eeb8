/**
 * The bench page: reads its options from the query string, starts the bench worker and forwards every event to
 * the Node runner (`window.__benchEvent`, exposed by Playwright) and to the page's log for a human watching.
 */
import { BENCH_EVENT_HOOK, type BenchEvent, type BenchRequest } from './core/protocol';
import { BACKEND_NAMES, BENCH_MODEL_NAMES, SUITE_NAMES, type BenchOptions } from './core/types';

function pick<T extends string>(value: string | null, allowed: readonly T[], fallback: T): T {
  return allowed.find((a) => a === value) ?? fallback;
}

function optionsFromQuery(q: URLSearchParams): BenchOptions {
  const suites = (q.get('suites') ?? '').split(',').filter(Boolean);
  return {
    backend: pick(q.get('backend'), BACKEND_NAMES, 'wasm'),
    model: pick(q.get('model'), BENCH_MODEL_NAMES, 'tiny'),
    quick: q.get('quick') === '1',
    suites: suites.length > 0 ? SUITE_NAMES.filter((s) => suites.includes(s)) : [...SUITE_NAMES],
    ...(q.has('realShapes') ? { realShapes: JSON.parse(q.get('realShapes')!) as BenchOptions['realShapes'] } : {}),
    ...(q.has('threads') ? { threads: Number(q.get('threads')) } : {}),
    ...(q.has('threadPool') ? { threadPool: q.get('threadPool') === 'xnnpack' ? 'xnnpack' : 'ours' } : {}),
  };
}

const logEl = document.getElementById('log');
const hook = (globalThis as unknown as Record<string, unknown>)[BENCH_EVENT_HOOK];

function forward(ev: BenchEvent): void {
  if (typeof hook === 'function') void (hook as (e: BenchEvent) => Promise<void>)(ev);
  if (logEl)
    logEl.textContent += `${ev.kind === 'figure' ? `${ev.figure.label}: ${ev.figure.median} ${ev.figure.unit}` : ev.kind === 'log' ? ev.message : ev.kind === 'device' ? ev.device.label : ev.kind}\n`;
}

const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
type MeasureMemory = () => Promise<{ bytes: number }>;

/** JS memory of this page and its workers; null where the browser does not offer the measurement. */
async function measureHeap(): Promise<number | null> {
  const measure = (performance as Performance & { measureUserAgentSpecificMemory?: MeasureMemory })
    .measureUserAgentSpecificMemory;
  if (!measure || !crossOriginIsolated) return null;
  try {
    return (await measure.call(performance)).bytes;
  } catch {
    return null;
  }
}

worker.onmessage = async (e: MessageEvent<BenchEvent>) => {
  if (e.data.kind === 'heapRequest') {
    const reply: BenchRequest = { kind: 'heapReply', id: e.data.id, bytes: await measureHeap() };
    worker.postMessage(reply);
    return;
  }
  forward(e.data);
};
worker.onerror = (e) => forward({ kind: 'error', message: `worker failed: ${e.message || 'script error'}` });
const request: BenchRequest = { kind: 'start', opts: optionsFromQuery(new URLSearchParams(location.search)) };
worker.postMessage(request);
