/**
 * One checkpointed LoRA step (r16 all-linear, int4 base, batch 1) of a small model on Dawn's WebGPU (SwiftShader),
 * measured as `measureLoraStep` measures it: peak GPU buffer bytes in use (numBytesInGPU) and distinct tensor
 * bytes against the studio's estimate, at tfjs's WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (default 15; `--submit N`).
 * tfjs releases a disposed tensor's buffer only when the commands using it are submitted, so the GPU holds up to
 * a batch of dispatches' freed buffers beyond the live tensors.
 *
 *   npx tsx scripts/webgpu-step-memory.ts [--submit 15] [--seq 128] [--embeddings f16]
 */
import { tf } from '../src/backend/tf';
import { HEAD_DOMINATED_SHAPE, measureLoraStep } from '../src/train/testing/measure-step';
import { tinyModelFiles } from '../src/test-utils/tiny-model';
import { initNodeWebGpu } from '../src/test-utils/webgpu.node.js';

async function main(argv: string[]): Promise<void> {
  const at = (flag: string, fallback: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
  if (!(await initNodeWebGpu())) throw new Error('no WebGPU adapter (Dawn)');
  const submit = Number(at('--submit', '15'));
  tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', submit);
  const seq = Number(at('--seq', '128'));
  const embeddings = at('--embeddings', 'f16') as 'f32' | 'f16';
  const files = tinyModelFiles('llama', {
    overrides: HEAD_DOMINATED_SHAPE,
  });
  const m = await measureLoraStep(files, { quant: 'int4', seq, embeddings, checkpointing: true, groupSize: 32 });
  const est = m.estimate.totalBytes;
  process.stdout.write(
    JSON.stringify({
      submitBatch: submit,
      seq,
      embeddings,
      estimateBytes: est,
      tensorPeakBytes: m.peak.tensorBytes,
      gpuPeakBytes: m.peak.gpuBytes,
      gpuAllocatedPeakBytes: m.peak.gpuAllocatedBytes,
      tensorsOverEstimate: +(m.peak.tensorBytes / est).toFixed(3),
      gpuOverEstimate: +((m.peak.gpuBytes ?? 0) / est).toFixed(3),
      loss: m.loss,
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
