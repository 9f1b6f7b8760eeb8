/**
 * A real-size checkpoint on a WebGPU device whose storage bindings stop at 128 MiB (what many GPUs allow; Dawn +
 * SwiftShader here, capped as src/model/row-blocks.webgpu.test.ts caps it): loads it as the studio does on WebGPU
 * (f16 embeddings, a packed base), scores a few tokens inside a validation error scope, and prints one JSON line:
 * how the LM head was split, GPU buffer bytes after the load and at the peak against the estimate, the log-probs.
 *
 *   npx tsx scripts/real-shapes/webgpu-capped.ts qwen2.5-0.5b [--quant int4] [--tokens 4]
 */
import { folderFiles } from '../../src/model/folder-files.node.js';
import { createLinearFactory } from '../../src/model/linear-factory';
import { loadModel } from '../../src/model/load';
import { estimateModelBytes } from '../../src/model/memory-estimate';
import { RowBlockLinear } from '../../src/model/row-blocks';
import type { ModelWeights } from '../../src/model/weights';
import { currentGpuDevice, initWebGpuBackend } from '../../src/backend/webgpu';
import { withMemoryPeak } from '../../src/backend/memory-probe';
import type { QuantMode } from '../../src/spec/modules';
import { cappedAdapter, nodeGpu } from '../../src/test-utils/webgpu.node.js';
import { ensureRealShapes } from './real-shapes';

const MIB = 2 ** 20;

async function main(argv: string[]): Promise<void> {
  const name = argv[0] ?? 'qwen2.5-0.5b';
  const at = (flag: string, fallback: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : fallback);
  const quant = at('--quant', 'int4') as QuantMode;
  const tokens = Number(at('--tokens', '4'));
  const dir = await ensureRealShapes(name);
  const adapter = await (await nodeGpu()).requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter (Dawn)');
  await initWebGpuBackend(cappedAdapter(adapter, { maxStorageBufferBindingSize: 128 * MIB, maxBufferSize: 256 * MIB }));
  const device = currentGpuDevice()!;
  const started = Date.now();
  const { result, peak } = await withMemoryPeak(async () => {
    const model = await loadModel(folderFiles(dir), { linearFactory: createLinearFactory(quant), embeddings: 'f16' });
    const loadedMs = Date.now() - started;
    const head = (model as unknown as { weights: ModelWeights }).weights.hostEmbeddings!.head;
    const blocks = head instanceof RowBlockLinear ? head.parts.map((p) => p.byteSize) : [head.byteSize];
    const ids = Array.from({ length: tokens }, (_, i) => (i * 7919 + 11) % model.config.vocab);
    device.pushErrorScope('validation');
    const logprobs = await model.logProbs(ids);
    const gpuError = await device.popErrorScope();
    const estimate = estimateModelBytes(model.config, quant, 64, 'f16');
    const bytes = model.byteSize();
    model.dispose();
    return { loadedMs, blocks, logprobs, gpuError: gpuError?.message ?? null, estimate, bytes };
  });
  process.stdout.write(
    JSON.stringify({
      model: name,
      quant,
      backend: 'webgpu (Dawn, SwiftShader), 128 MiB storage bindings',
      headBlockBytes: result.blocks,
      baseBytes: result.bytes,
      baseEstimateBytes: result.estimate,
      gpuPeakBytes: peak.gpuBytes,
      gpuAllocatedPeakBytes: peak.gpuAllocatedBytes,
      tensorPeakBytes: peak.tensorBytes,
      logprobs: result.logprobs,
      gpuError: result.gpuError,
      loadMs: result.loadedMs,
      totalMs: Date.now() - started,
    }) + '\n',
  );
  process.exit(result.gpuError || result.logprobs.slice(1).some((p) => !Number.isFinite(p)) ? 1 : 0);
}

main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`${e.stack ?? e.message}\n`);
  process.exit(1);
});
