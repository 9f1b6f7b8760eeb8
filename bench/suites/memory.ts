/**
 * Suite 5 — memory: bytes of the frozen base per quant mode (what each `Linear` reports, and what the backend
 * really allocated while the model was built), the ratio to fp32, the peak backend memory of one LoRA train
 * step (high-water mark over every tensor allocation, see core/memory-probe.ts), and the JS heap.
 */
import { tf } from '../../src/backend/tf';
import { estimateModelBytes, type QuantMode } from '../../src/model';
import { createLinearFactory } from '../../src/model/linear-factory';
import { exact, figure, type SuiteContext } from '../core/context';
import { withMemoryPeak, wasmHeapBytes } from '../core/memory-probe';
import { benchModelConfig, buildModel, randomWeights, type RandomWeights } from '../models/bench-models';
import type { ModelConfig } from '../../src/model';
import { loraStepper, TRAIN_MODES, TRAIN_SEQ, trainBatches, trainStepBlocker } from './train';

interface ModeBytes {
  linear: number;
  device: number;
}

async function measureMode(ctx: SuiteContext, c: ModelConfig, w: RandomWeights, mode: QuantMode): Promise<ModeBytes> {
  const { result: model, peak: built } = await withMemoryPeak(async () => buildModel(c, w, createLinearFactory(mode)));
  try {
    const device = built.retainedBytes;
    let linear = 0;
    for (const l of model.linears().values()) linear += l.byteSize;
    ctx.report(
      figure(
        'memory',
        `memory/base-bytes/${mode}`,
        `${mode}: projection weights (Linear.byteSize)`,
        'B',
        exact(linear),
        false,
      ),
    );
    ctx.report(
      figure(
        'memory',
        `memory/model-device-bytes/${mode}`,
        `${mode}: whole model as allocated on ${tf.getBackend()}`,
        'B',
        exact(device),
        false,
        `estimate ${estimateModelBytes(c, mode)} B`,
      ),
    );
    const blocker = trainStepBlocker(ctx.opts.backend, ctx.opts.model);
    if (blocker) ctx.skip('memory', `${mode}: train-step peak`, blocker);
    for (const batch of blocker ? [] : trainBatches(ctx.opts.quick)) {
      const stepper = loraStepper(model, batch, TRAIN_SEQ);
      try {
        await stepper.step(); // warm-up: kernels compiled, buffer pools filled
        const { peak } = await withMemoryPeak(() => stepper.step());
        const key = `memory/train-peak/${mode}/b${batch}`;
        const what = `${mode}: train step batch ${batch}×${TRAIN_SEQ}`;
        ctx.report(
          figure(
            'memory',
            `${key}/tensors`,
            `${what}, peak tensor memory above the model (distinct buffers)`,
            'B',
            exact(peak.tensorBytes),
            false,
          ),
        );
        if (peak.gpuBytes !== null)
          ctx.report(figure('memory', `${key}/gpu`, `${what}, peak numBytesInGPU`, 'B', exact(peak.gpuBytes), false));
      } finally {
        stepper.dispose();
      }
    }
    return { linear, device };
  } finally {
    model.dispose();
  }
}

export async function runMemorySuite(ctx: SuiteContext): Promise<void> {
  const c = benchModelConfig(ctx.opts.model);
  const w = randomWeights(c);
  const bytes = new Map<QuantMode, ModeBytes>();
  for (const mode of TRAIN_MODES) bytes.set(mode, await measureMode(ctx, c, w, mode));
  const f32 = bytes.get('f32')!;
  for (const [mode, b] of bytes) {
    if (mode === 'f32') continue;
    ctx.report(
      figure(
        'memory',
        `memory/base-bytes/${mode}/vs-f32`,
        `${mode} projection weights ÷ fp32`,
        '×',
        exact(b.linear / f32.linear),
        false,
      ),
    );
    ctx.report(
      figure(
        'memory',
        `memory/model-device-bytes/${mode}/vs-f32`,
        `${mode} whole model ÷ fp32 (embeddings stay f32)`,
        '×',
        exact(b.device / f32.device),
        false,
      ),
    );
  }
  const wasm = wasmHeapBytes();
  if (wasm !== null)
    ctx.report(figure('memory', 'memory/wasm-heap', 'wasm linear memory (high-water)', 'B', exact(wasm), false));
  const heap = await ctx.heapBytes();
  if (heap !== null)
    ctx.report(
      figure(
        'memory',
        'memory/js-heap',
        `${ctx.host.heapTiming === 'live' ? 'Node heap + ArrayBuffers' : 'JS memory of page + bench worker (incl. ArrayBuffers and wasm memory)'} after the suite`,
        'B',
        exact(heap),
        false,
      ),
    );
  else
    ctx.skip(
      'memory',
      'JS heap',
      'this host exposes no heap size (performance.memory / measureUserAgentSpecificMemory)',
    );
}
