/**
 * The shape of a benchmark result file (`bench/results/<date>-<backend>.json`). Everything the runner prints,
 * compares and checks against targets is derived from this one structure, so a result file is self-contained:
 * it names the device it was measured on and every figure carries its spread.
 */

/** The six suites of issue 8, in the order they run, then the wasm matMul override's before/after. */
export const SUITE_NAMES = [
  'peak',
  'kernels',
  'train',
  'generate',
  'memory',
  'data',
  'wasm-matmul',
  'sizes',
  'peers',
  'peers-decode',
  'peers-train',
  'peers-threads',
] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

export type BackendName = 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'wasm', 'cpu'];

export type BenchModelName = 'tiny' | 'small' | 'smollm2-135m';
export const BENCH_MODEL_NAMES: readonly BenchModelName[] = ['tiny', 'small', 'smollm2-135m'];

/** One measured quantity: the median of `runs` timed repetitions after warm-up, with their min and max. */
export interface Figure {
  suite: SuiteName;
  /** Stable id used to match figures across result files (`kernels/int4/576x1536/M1/forward`). */
  key: string;
  /** What a reader sees in the table. */
  label: string;
  /** 'GFLOP/s', 'ms', 'tok/s', 'B', 'MB/s', '%', '×' … */
  unit: string;
  median: number;
  min: number;
  max: number;
  /** Timed repetitions behind median/min/max (1 for a count such as a byte size). */
  runs: number;
  /** True when a larger value is better (throughput), false for costs (ms, bytes). */
  higherIsBetter: boolean;
  note?: string;
}

/** What the results were measured on; printed at the top of every table. */
export interface DeviceInfo {
  /** Human label, e.g. "SwiftShader (software Vulkan) in headless Chromium 156" or "wasm SIMD, 1 thread". */
  label: string;
  userAgent: string;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** GPU adapter as reported by WebGPU (webgpu backend only). */
  adapter?: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean };
  /** wasm backend: threads in use and whether SIMD is on. */
  wasm?: { threads: number; simd: boolean };
  /** Where the suites ran: a browser worker or Node. */
  host: 'browser-worker' | 'node';
}

/** A suite (or part of one) that could not be measured, with the reason; never silently dropped. */
export interface Skipped {
  suite: SuiteName;
  what: string;
  reason: string;
}

export interface BenchResult {
  schema: 1;
  /** ISO time the run started. */
  date: string;
  backend: BackendName;
  model: BenchModelName;
  quick: boolean;
  device: DeviceInfo;
  figures: Figure[];
  skipped: Skipped[];
  durationMs: number;
}

/** Options a suite runs under. */
export interface BenchOptions {
  backend: BackendName;
  model: BenchModelName;
  quick: boolean;
  /** Restrict to these suites (default all). */
  suites: SuiteName[];
  /** Real-shape checkpoints for the `sizes` suite, written by the runner (scripts/real-shapes) before it starts. */
  realShapes?: RealShapeRef[];
  /** wasm in Chromium: XNNPACK threads to start with (default: one per core, max 8); Node is always 1. */
  threads?: number;
  /** wasm in Chromium: whose pool spreads the threads (src/backend/wasm.ts `wasmThreadSettings`). */
  threadPool?: 'ours' | 'xnnpack';
  /** wasm in Node: our kernels' relaxed-SIMD build, as Chromium runs them (default), or plain SIMD. */
  simd?: 'relaxed' | 'plain';
}

/** One generated checkpoint folder: its catalog name, absolute path and file names. */
export interface RealShapeRef {
  name: string;
  dir: string;
  files: string[];
}
