/**
 * One checkpointed LoRA step (r16 all-linear, int4 base, batch 1) on Dawn's WebGPU (SwiftShader), measured as
 * `measureLoraStep` measures it: peak GPU buffer bytes in use (numBytesInGPU) and distinct tensor bytes against
 * the studio's estimate, at tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (default 15; `--submit N`). tfjs releases a
 * disposed tensor's buffer only when the commands using it are submitted, so the GPU holds up to a batch of
 * dispatches' freed buffers beyond the live tensors.
 *
 * Default model: a small head-dominated one (hidden 128, vocab 8192). `--model NAME --layers N` takes the published
 * config of fixtures/configs/NAME with only num_hidden_layers changed (random weights), so a real-width step fits
 * SwiftShader's ~1 GFLOP/s: the peak is a + b·layers (one checkpointed input per layer), fitted over a few N and
 * extrapolated to the published depth (README, issue 12); `--vocab N` shrinks the vocabulary too, so one layer's
 * tape (not the LM head) sets the peak in minutes. `--backend wasm` runs the same step on wasm (tensor bytes).
 *
 *   npx tsx scripts/webgpu-step-memory.ts [--submit 15] [--seq 128] [--embeddings f16]
 *   npx tsx scripts/webgpu-step-memory.ts --model smollm2-135m --layers 2 --seq 512 [--vocab 8192] [--group 64]
 *     [--backend webgpu|wasm]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { initNodeBackend, type NodeBackendName } from '../src/backend/node';
import { tf } from '../src/backend/tf';
import { HEAD_DOMINATED_SHAPE, measureLoraStep } from '../src/train/testing/measure-step';
import { tinyModelFiles } from '../src/test-utils/tiny-model';
import { initNodeWebGpu } from '../src/test-utils/webgpu.node.js';
import { CONFIGS_DIR } from './real-shapes/catalog';

/** config.json overrides: the small head-dominated shape, or `model`'s published config at `layers` layers. */
function overridesOf(model: string | null, layers: number | null, vocab: number | null): Record<string, unknown> {
  const changed = { ...(layers ? { num_hidden_layers: layers } : {}), ...(vocab ? { vocab_size: vocab } : {}) };
  if (!model) return { ...HEAD_DOMINATED_SHAPE, ...changed };
  const config = JSON.parse(readFileSync(path.join(CONFIGS_DIR, model, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  return { ...config, ...changed };
}

async function main(argv: string[]): Promise<void> {
  const at = (flag: string, fallback: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
  const backend = at('--backend', 'webgpu');
  if (backend === 'webgpu') {
    if (!(await initNodeWebGpu())) throw new Error('no WebGPU adapter (Dawn)');
  } else if ((await initNodeBackend(backend as NodeBackendName)) !== backend) throw new Error(`no ${backend} backend`);
  const submit = Number(at('--submit', '15'));
  if (backend === 'webgpu') tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', submit);
  const seq = Number(at('--seq', '128'));
  const embeddings = at('--embeddings', backend === 'webgpu' ? 'f16' : 'f32') as 'f32' | 'f16';
  const model = at('--model', '') || null;
  const layers = Number(at('--layers', '0')) || null;
  const groupSize = Number(at('--group', model ? '64' : '32')) as 32 | 64;
  const vocab = Number(at('--vocab', '0')) || null;
  const overrides = overridesOf(model, layers, vocab);
  const files = tinyModelFiles((overrides.model_type as 'llama' | undefined) ?? 'llama', { overrides });
  const started = performance.now();
  const m = await measureLoraStep(files, { quant: 'int4', seq, embeddings, checkpointing: true, groupSize });
  const est = m.estimate.totalBytes;
  process.stdout.write(
    JSON.stringify({
      backend,
      model: model ?? 'head-dominated',
      layers: overrides.num_hidden_layers,
      vocab: overrides.vocab_size,
      submitBatch: submit,
      seq,
      embeddings,
      groupSize,
      estimateBytes: est,
      estimate: m.estimate,
      tensorPeakBytes: m.peak.tensorBytes,
      gpuPeakBytes: m.peak.gpuBytes,
      gpuAllocatedPeakBytes: m.peak.gpuAllocatedBytes,
      tensorsOverEstimate: +(m.peak.tensorBytes / est).toFixed(3),
      gpuOverEstimate: +((m.peak.gpuBytes ?? 0) / est).toFixed(3),
      loss: m.loss,
      seconds: Math.round((performance.now() - started) / 1000),
    }) + '\n',
  );
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
