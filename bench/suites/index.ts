/**
 * The suite registry and the loop that runs the chosen suites in order. Shared by the browser worker and the
 * Node runner; the host only sets up the backend and says what device it is.
 */
import type { BenchHost, Suite, SuiteContext } from '../core/context';
import type { BenchEvent } from '../core/protocol';
import type { BenchOptions, BenchResult, DeviceInfo, Figure, Skipped, SuiteName } from '../core/types';
import { runDataSuite } from './data';
import { runGenerateSuite } from './generate';
import { runKernelSuite } from './kernels';
import { runMemorySuite } from './memory';
import { runPeakSuite } from './peak';
import { runSizesSuite } from './sizes';
import { runTrainSuite } from './train';
import { runWasmMatMulSuite } from './wasm-matmul';

/** Every suite by name. The peak suite runs first because MFU figures divide by its result. */
export const SUITES: Record<SuiteName, Suite | null> = {
  peak: runPeakSuite,
  kernels: runKernelSuite,
  train: runTrainSuite,
  generate: runGenerateSuite,
  memory: runMemorySuite,
  data: runDataSuite,
  'wasm-matmul': runWasmMatMulSuite,
  sizes: runSizesSuite,
  // Node only (llama.cpp through node-llama-cpp, PyTorch as a child process): the Node host supplies them, see
  // `BenchHost.nodeSuites`. `peers` is both halves.
  peers: null,
  'peers-decode': null,
  'peers-train': null,
  'peers-threads': null,
};

/** Why a registry entry is null (an engine part the suite measures is not in the tree yet). */
const NODE_ONLY = 'runs in Node only (bench --node)';
const MISSING_REASON: Partial<Record<SuiteName, string>> = {
  peers: NODE_ONLY,
  'peers-decode': NODE_ONLY,
  'peers-train': NODE_ONLY,
  'peers-threads': NODE_ONLY,
};

function makeContext(
  opts: BenchOptions,
  figures: Figure[],
  skipped: Skipped[],
  emit: (e: BenchEvent) => void,
  host: BenchHost,
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
    heapBytes: () => host.heapBytes(),
    host,
  };
}

/** Runs the suites named in `opts` in order; a failing suite is recorded, not fatal. */
export async function runSuites(
  opts: BenchOptions,
  device: DeviceInfo,
  emit: (e: BenchEvent) => void,
  host: BenchHost,
): Promise<BenchResult> {
  const started = performance.now();
  const date = new Date().toISOString();
  const figures: Figure[] = [];
  const skipped: Skipped[] = [];
  const ctx = makeContext(opts, figures, skipped, emit, host);
  emit({ kind: 'device', device });
  for (const name of opts.suites) {
    const suite = host.nodeSuites?.[name] ?? SUITES[name];
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
