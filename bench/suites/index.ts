/**
 * The suite registry and the loop that runs the chosen suites in order. Shared by the browser worker and the
 * Node runner; the host only sets up the backend and says what device it is.
 */
import type { Suite, SuiteContext } from '../core/context';
import type { BenchEvent } from '../core/protocol';
import type { BenchOptions, BenchResult, DeviceInfo, Figure, Skipped, SuiteName } from '../core/types';
import { runGenerateSuite } from './generate';
import { runKernelSuite } from './kernels';
import { runMemorySuite } from './memory';
import { runPeakSuite } from './peak';
import { runTrainSuite } from './train';

/** Every suite by name. The peak suite runs first because MFU figures divide by its result. */
export const SUITES: Record<SuiteName, Suite | null> = {
  peak: runPeakSuite,
  kernels: runKernelSuite,
  train: runTrainSuite,
  generate: runGenerateSuite,
  memory: runMemorySuite,
  data: null,
};

/** Why a registry entry is null (an engine part the suite measures is not in the tree yet). */
const MISSING_REASON: Partial<Record<SuiteName, string>> = {};

type MemoryMeasurement = { bytes: number };

/**
 * JS heap in use: Node's `process.memoryUsage()`, Chromium's `performance.memory` where exposed, else
 * `performance.measureUserAgentSpecificMemory()` (cross-origin isolated pages; the runner passes
 * --enable-blink-features=ForceEagerMeasureMemory so it answers at once instead of at the next GC). A worker
 * has neither, so the bench worker asks its page (see bench.worker.ts).
 */
export async function heapBytes(): Promise<number | null> {
  const proc = (globalThis as { process?: { memoryUsage?: () => { heapUsed: number } } }).process;
  if (proc?.memoryUsage) return proc.memoryUsage().heapUsed;
  const perf = performance as Performance & {
    memory?: { usedJSHeapSize: number };
    measureUserAgentSpecificMemory?: () => Promise<MemoryMeasurement>;
  };
  if (perf.memory) return perf.memory.usedJSHeapSize;
  if (!perf.measureUserAgentSpecificMemory || !globalThis.crossOriginIsolated) return null;
  const timeout = new Promise<null>((resolve) => setTimeout(() => resolve(null), 30_000));
  const measured = await Promise.race([perf.measureUserAgentSpecificMemory().catch(() => null), timeout]);
  return measured ? measured.bytes : null;
}

function makeContext(
  opts: BenchOptions,
  figures: Figure[],
  skipped: Skipped[],
  emit: (e: BenchEvent) => void,
  heap: () => Promise<number | null>,
): SuiteContext {
  return {
    opts,
    peakFlops: null,
    report(fig) {
      figures.push(fig);
      emit({ kind: 'figure', figure: fig });
    },
    skip(suite, what, reason) {
      const s = { suite, what, reason };
      skipped.push(s);
      emit({ kind: 'skipped', skipped: s });
    },
    log(message) {
      emit({ kind: 'log', message });
    },
    heapBytes: heap,
  };
}

/** Runs the suites named in `opts` (peak always first when MFU is needed); a failing suite is recorded, not fatal. */
export async function runSuites(
  opts: BenchOptions,
  device: DeviceInfo,
  emit: (e: BenchEvent) => void,
  heap: () => Promise<number | null> = heapBytes,
): Promise<BenchResult> {
  const started = performance.now();
  const date = new Date().toISOString();
  const figures: Figure[] = [];
  const skipped: Skipped[] = [];
  const ctx = makeContext(opts, figures, skipped, emit, heap);
  const order: SuiteName[] = opts.suites.includes('train') && !opts.suites.includes('peak') ? ['peak', ...opts.suites] : opts.suites;
  for (const name of order) {
    const suite = SUITES[name];
    if (!suite) {
      ctx.skip(name, 'whole suite', MISSING_REASON[name] ?? 'not available');
      continue;
    }
    ctx.log(`suite ${name}…`);
    const t0 = performance.now();
    try {
      await suite(ctx);
    } catch (e) {
      const err = e as Error;
      ctx.skip(name, 'rest of suite', `failed: ${err.message}`);
      ctx.log(err.stack ?? err.message);
    }
    ctx.log(`suite ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return {
    schema: 1,
    date,
    backend: opts.backend,
    model: opts.model,
    quick: opts.quick,
    device,
    figures,
    skipped,
    durationMs: performance.now() - started,
  };
}
