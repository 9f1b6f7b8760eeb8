/**
 * Command-line parsing for `npm run bench`. Pure, so the accepted syntax is unit-tested.
 *
 * npm run bench [-- --backend webgpu|wasm|cpu] [--model tiny|small|smollm2-135m] [--quick]
 *               [--suites peak,kernels,…] [--node] [--out FILE] | --compare A.json B.json | --show FILE
 */
import {
  BACKEND_NAMES,
  BENCH_MODEL_NAMES,
  SUITE_NAMES,
  type BackendName,
  type BenchModelName,
  type SuiteName,
} from './types';

export type BenchCommand =
  | {
      kind: 'run';
      backend: BackendName;
      model: BenchModelName;
      quick: boolean;
      suites: SuiteName[];
      /** Run the suites in Node instead of Chromium (cpu/wasm only). */
      node: boolean;
      /** Result file path; default bench/results/<date>-<backend>.json. */
      out: string | null;
      /** Show the browser window's console output as it runs. */
      verbose: boolean;
      /** Real-shape models for the `sizes` suite (names from scripts/real-shapes/catalog.ts); null = the default set. */
      sizes: string[] | null;
      /** wasm threads in Chromium (default one per core); null = default. */
      threads: number | null;
      /** wasm in Chromium: whose pool spreads the threads (src/backend/wasm.ts); null = the studio's default. */
      threadPool: 'ours' | 'xnnpack' | null;
      /** wasm in Node: our kernels' relaxed-SIMD build (as in Chromium) or plain SIMD. */
      simd: 'relaxed' | 'plain';
    }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'show'; file: string }
  | { kind: 'help' };

export const USAGE = `npm run bench [-- options]
  --backend webgpu|wasm|cpu       backend to measure (default wasm)
  --model tiny|small|smollm2-135m random-weight model for train/generate/memory (default small)
  --quick                         fewer runs and smaller shapes (needed for SwiftShader WebGPU)
  --suites peak,kernels,train,generate,memory,data,wasm-matmul,sizes,peers   subset to run (default all but sizes and peers;
                                  peers runs in Node: peers-decode vs llama.cpp + peers-train vs PyTorch;
                                  peers-threads: the peers on 2 threads ÷ 1, beside the train suite's threads-speedup)
  --node                          run in Node instead of headless Chromium (cpu/wasm only)
  --out FILE                      result file (default bench/results/<date>-<backend>.json)
  --sizes smollm2-135m,qwen2.5-0.5b,…   real-shape models for the sizes suite (default: SmolLM2-135M/360M,
                                  Qwen2.5-0.5B, Qwen3-0.6B, Llama-3.2-1B; --quick: SmolLM2-135M, Qwen2.5-0.5B)
  --threads N                     wasm in Chromium: start N threads instead of one per core (1-thread vs all-cores runs)
  --thread-pool ours|xnnpack      wasm in Chromium: whose pool spreads the threads (default ours, as the studio):
                                  our kernels on our workers with XNNPACK on one thread, or XNNPACK's pthreads
  --simd relaxed|plain            wasm in Node: our kernels' relaxed-SIMD build, as Chromium runs them (default), or
                                  plain SIMD, Node 20's default (relaxed SIMD is behind a V8 flag there)
  --verbose                       echo the page's console
  --compare A.json B.json         print B relative to A for matching figures
  --show FILE.json                print the report of a result file again`;

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string): T {
  if (value === undefined) throw new Error(`${flag} needs a value (${allowed.join('|')})`);
  const found = allowed.find((a) => a === value);
  if (!found) throw new Error(`${flag} ${value}: expected one of ${allowed.join(', ')}`);
  return found;
}

function parseSuites(value: string | undefined): SuiteName[] {
  if (!value) throw new Error(`--suites needs a comma-separated list (${SUITE_NAMES.join(',')})`);
  return value.split(',').map((s) => oneOf(s.trim(), SUITE_NAMES, '--suites'));
}

/** Real-shape models the `sizes` suite measures when `--sizes` is not given. */
export function defaultSizes(quick: boolean): string[] {
  return quick
    ? ['smollm2-135m', 'qwen2.5-0.5b']
    : ['smollm2-135m', 'smollm2-360m', 'qwen2.5-0.5b', 'qwen3-0.6b', 'llama-3.2-1b'];
}

/** Parses argv (without node and script). Throws an Error with a usable message on bad input. */
export function parseBenchArgs(argv: readonly string[]): BenchCommand {
  let backend: BackendName = 'wasm';
  let model: BenchModelName = 'small';
  let quick = false;
  let node = false;
  let verbose = false;
  let out: string | null = null;
  let suites: SuiteName[] = SUITE_NAMES.filter((s) => s !== 'sizes' && !s.startsWith('peers'));
  let sizes: string[] | null = null;
  let threads: number | null = null;
  let threadPool: 'ours' | 'xnnpack' | null = null;
  let simd: 'relaxed' | 'plain' = 'relaxed';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    switch (arg) {
      case '--backend':
        backend = oneOf(argv[++i], BACKEND_NAMES, arg);
        break;
      case '--model':
        model = oneOf(argv[++i], BENCH_MODEL_NAMES, arg);
        break;
      case '--quick':
        quick = true;
        break;
      case '--node':
        node = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--suites':
        suites = parseSuites(argv[++i]);
        break;
      case '--sizes':
        sizes = (argv[++i] ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (!sizes.length) throw new Error('--sizes needs a comma-separated list of real-shape model names');
        break;
      case '--threads':
        threads = Number(argv[++i]);
        if (!Number.isInteger(threads) || threads < 1) throw new Error('--threads needs a whole number ≥ 1');
        break;
      case '--thread-pool':
        threadPool = oneOf(argv[++i], ['ours', 'xnnpack'] as const, arg);
        break;
      case '--simd':
        simd = oneOf(argv[++i], ['relaxed', 'plain'] as const, arg);
        break;
      case '--out':
        out = argv[++i] ?? null;
        if (!out) throw new Error('--out needs a file path');
        break;
      case '--compare': {
        const a = argv[i + 1];
        const b = argv[i + 2];
        if (!a || !b) throw new Error('--compare needs two result files: --compare A.json B.json');
        return { kind: 'compare', a, b };
      }
      case '--show': {
        const file = argv[i + 1];
        if (!file) throw new Error('--show needs a result file');
        return { kind: 'show', file };
      }
      case '--help':
      case '-h':
        return { kind: 'help' };
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  // peers drives llama.cpp's native binary and a PyTorch process beside our engine: Node only.
  if (suites.some((s) => s.startsWith('peers'))) node = true;
  if (node && backend === 'webgpu') throw new Error('--node runs cpu or wasm only; WebGPU is measured in Chromium');
  if (threads !== null && (node || backend !== 'wasm')) {
    throw new Error("--threads applies to wasm in Chromium only (Node's tfjs-wasm has no threads)");
  }
  return { kind: 'run', backend, model, quick, suites, node, out, verbose, sizes, threads, threadPool, simd };
}
