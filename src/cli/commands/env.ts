import { BACKEND_PREFERENCES, type BackendPreference } from '../../backend/report';
import { tf } from '../../backend/tf';
import { installNodeWebGpu, nodeEngineDeps } from '../../engine/deps.node.js';
import { LocalEngine } from '../../engine/local-engine';
import { relaxedSimdSupported } from '../../quant/kernels/wasm/gemv-wasm';
import { CliError, flag, parseFlags, type CliCommand } from '../command';

function isPreference(v: string): v is BackendPreference {
  return BACKEND_PREFERENCES.some((p) => p === v);
}

/**
 * `env [--backend auto|webgpu|wasm|cpu] [--check]`: runs the engine's backend selection in Node and prints what it
 * got, as JSON. `webgpu`/`auto` see Dawn's adapter (set VK_ICD_FILENAMES for SwiftShader on GPU-less machines).
 * `--check` adds the engine's matmul check against a float64 CPU product.
 */
export const envCommand: CliCommand = {
  summary: 'print the tensor backend the CLI runs on (--backend, --check)',
  async run(argv) {
    const { flags } = parseFlags(argv);
    const asked = flag(flags, 'backend', 'wasm') ?? 'wasm';
    if (!isPreference(asked)) throw new CliError(`--backend must be one of ${BACKEND_PREFERENCES.join(', ')}`);
    const gpu = asked === 'webgpu' || asked === 'auto' ? await installNodeWebGpu() : null;
    const engine = new LocalEngine(nodeEngineDeps(gpu));
    const report = await engine.request('init', { preference: asked });
    const info: Record<string, unknown> = {
      backend: report.backend,
      asked,
      reason: report.reason,
      tfjs: tf.version.tfjs,
      node: process.version,
      threads: report.threads,
      simd: report.wasm?.simd ?? null,
      // Our kernels' build on wasm: relaxed SIMD (as Chromium runs them) or plain SIMD
      relaxedSimd: report.backend === 'wasm' ? relaxedSimdSupported() : null,
      adapter: report.adapter
        ? `${report.adapter.vendor} ${report.adapter.architecture} ${report.adapter.description}`.trim()
        : null,
    };
    if (flags.has('check')) info.check = await engine.request('matmulCheck', {});
    process.stdout.write(JSON.stringify(info) + '\n');
    engine.dispose();
    return 0;
  },
};
