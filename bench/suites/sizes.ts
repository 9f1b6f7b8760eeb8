/**
 * Suite `sizes` — real model sizes: the random-weight checkpoints with published shapes that scripts/real-shapes
 * writes (SmolLM2-135M/360M, Qwen2.5-0.5B, Qwen3-0.6B, Llama-3.2-1B), read as files the way the studio reads a
 * download (`loadModel` over ranged reads), then per model: load time and device bytes against the estimate, one
 * LoRA optimizer step at a short sequence (the default r16 all-linear adapter, batch 1) with its peak memory and —
 * on WebGPU — the work the step gives the device (dispatches, read-backs, uploads, pipeline compilations after the
 * first step), and a 4-token greedy generation. Shapes, not quality: the weights are random.
 */
import { GpuWorkCounter, gpuWorkDelta, type GpuWork } from '../../src/backend/gpu-work';
import { tf } from '../../src/backend/tf';
import { currentGpuDevice } from '../../src/backend/webgpu';
import { generate } from '../../src/generate';
import { estimateModelBytes, loadModel, type DecoderModel } from '../../src/model';
import type { QuantMode } from '../../src/spec/modules';
import { createLinearFactory } from '../../src/model/linear-factory';
import { loadTokenizer } from '../../src/tokenizer/load';
import { exact, figure, type SuiteContext } from '../core/context';
import { withMemoryPeak } from '../core/memory-probe';
import { loraStepper } from './train';

export const SIZES_QUANT: QuantMode = 'nf4';
export const SIZES_SEQ = { quick: 8, full: 32 } as const;
const NEW_TOKENS = 4;

const GPU_WORK_FIGURES: [keyof GpuWork, string, string][] = [
  ['dispatches', 'kernel dispatches', 'n'],
  ['readbacks', 'GPU→CPU read-backs (target ≤ 2: loss and finite check)', 'n'],
  ['uploads', 'host→GPU uploads', 'n'],
  ['uploadBytes', 'host→GPU upload bytes (no weights after load)', 'B'],
  ['largestUpload', 'largest single upload (a weight would show here)', 'B'],
  ['pipelines', 'pipeline compilations (target 0 after step 1)', 'n'],
];

async function settle(): Promise<void> {
  const probe = tf.zeros([1]);
  await probe.data();
  probe.dispose();
}

/** One optimizer step at `seq`, its peak memory, and (WebGPU) the device work of steps 1 and 2. */
async function measureStep(ctx: SuiteContext, name: string, model: DecoderModel, seq: number): Promise<void> {
  const key = `sizes/${name}/train-seq${seq}`;
  const what = `${name} ${SIZES_QUANT}, LoRA r16 all-linear, batch 1×${seq}`;
  const device = currentGpuDevice();
  const counter = device ? new GpuWorkCounter(device) : null;
  const stepper = loraStepper(model, 1, seq);
  try {
    const w0 = counter?.snapshot();
    let t = performance.now();
    const { peak } = await withMemoryPeak(() => stepper.step());
    const firstMs = performance.now() - t;
    counter?.resetLargest();
    const w1 = counter?.snapshot();
    t = performance.now();
    await stepper.step();
    const secondMs = performance.now() - t;
    const w2 = counter?.snapshot();
    ctx.report(figure('sizes', `${key}/first-step-ms`, `${what}: first step (compiles)`, 'ms', exact(firstMs), false));
    ctx.report(figure('sizes', `${key}/ms-per-step`, `${what}: second step`, 'ms', exact(secondMs), false));
    ctx.report(
      figure(
        'sizes',
        `${key}/peak-tensors`,
        `${what}: peak tensor memory above the model`,
        'B',
        exact(peak.tensorBytes),
        false,
      ),
    );
    if (peak.gpuBytes !== null)
      ctx.report(figure('sizes', `${key}/peak-gpu`, `${what}: peak numBytesInGPU`, 'B', exact(peak.gpuBytes), false));
    if (counter && w0 && w1 && w2) {
      const first = gpuWorkDelta(w0, w1);
      const second = gpuWorkDelta(w1, w2);
      ctx.report(
        figure(
          'sizes',
          `${key}/step1/pipelines`,
          `${what}: step 1 pipeline compilations`,
          'n',
          exact(first.pipelines),
          false,
        ),
      );
      for (const [field, label, unit] of GPU_WORK_FIGURES) {
        ctx.report(
          figure('sizes', `${key}/step2/${field}`, `${what}: step 2 ${label}`, unit, exact(second[field]), false),
        );
      }
    } else
      ctx.skip(
        'sizes',
        `${name}: device work per step`,
        'counted on WebGPU only (wasm has no dispatches or read-backs)',
      );
  } finally {
    counter?.dispose();
    stepper.dispose();
  }
}

async function measureModel(ctx: SuiteContext, ref: { name: string; dir: string; files: string[] }): Promise<void> {
  const files = ctx.host.modelFiles(ref);
  const embeddings = ctx.opts.backend === 'webgpu' ? 'f16' : 'f32';
  const before = tf.memory().numBytes;
  let t = performance.now();
  const model = await loadModel(files, { linearFactory: createLinearFactory(SIZES_QUANT), embeddings });
  try {
    await settle();
    const loadMs = performance.now() - t;
    const key = `sizes/${ref.name}`;
    ctx.report(
      figure(
        'sizes',
        `${key}/load-ms`,
        `${ref.name}: load + ${SIZES_QUANT} quantize + upload`,
        'ms',
        exact(loadMs),
        false,
      ),
    );
    const estimate = estimateModelBytes(model.config, SIZES_QUANT, 64, embeddings);
    const measured = tf.memory().numBytes - before;
    ctx.report(
      figure(
        'sizes',
        `${key}/device-bytes`,
        `${ref.name}: base as allocated (${embeddings} embeddings)`,
        'B',
        exact(measured),
        false,
        `estimate ${estimate} B (${((100 * measured) / estimate).toFixed(0)}%)`,
      ),
    );
    await measureStep(ctx, ref.name, model, ctx.opts.quick ? SIZES_SEQ.quick : SIZES_SEQ.full);
    t = performance.now();
    const out = await generate(model, await loadTokenizer(files), {
      promptIds: [10, 20, 30, 40],
      maxNewTokens: NEW_TOKENS,
      temperature: 0,
      seed: 1,
    });
    ctx.report(
      figure(
        'sizes',
        `${key}/generate-ms`,
        `${ref.name}: ${NEW_TOKENS}-token greedy generation, prompt 4`,
        'ms',
        exact(performance.now() - t),
        false,
        `${out.newTokens} tokens`,
      ),
    );
  } finally {
    model.dispose();
  }
}

export async function runSizesSuite(ctx: SuiteContext): Promise<void> {
  const refs = ctx.opts.realShapes ?? [];
  if (refs.length === 0)
    return ctx.skip(
      'sizes',
      'whole suite',
      'no real-shape checkpoints were passed (the runner writes them; see bench/README.md)',
    );
  for (const ref of refs) {
    try {
      await measureModel(ctx, ref);
    } catch (e) {
      ctx.skip('sizes', ref.name, `failed: ${(e as Error).message}`);
    }
  }
}
