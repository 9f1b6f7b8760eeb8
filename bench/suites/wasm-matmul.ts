/**
 * Suite 7 — the wasm matMul override (src/backend/kernels/batch-mat-mul-wasm.ts), before and after: tfjs's own
 * wasm `BatchMatMul` against ours on the transposed and batched products a LoRA step runs (shapes of the bench
 * model at seq 256, rank 16), then one LoRA train step's tokens/s with each kernel. "before" unregisters the
 * override for each "before" run and registers it again after; before and after runs alternate, so both sides
 * run in the same process, on the same model and tensors, under the same neighbour load. Ratios are after ÷ before.
 */
import { tf } from '../../src/backend/tf';
import {
  registerWasmKernelOverrides,
  unregisterWasmKernelOverrides,
  wasmKernelOverridesActive,
} from '../../src/backend/kernels/register-wasm';
import type { ModelConfig, QuantMode } from '../../src/model';
import { createLinearFactory } from '../../src/model/linear-factory';
import { figure, rate, type SuiteContext } from '../core/context';
import { matmulFlops } from '../core/flops';
import { runPlan, timeOpRuns, type RunPlan } from '../core/measure';
import { median, ratioOf, type Summary } from '../core/stats';
import { benchModelConfig, buildModel, randomWeights } from '../models/bench-models';
import { loraStepper, TRAIN_RANK, TRAIN_SEQ, trainStepBlocker } from './train';

/** One timed product: a [..., m, k]-ish operand pair with flags, as the model runs it. */
interface Product {
  key: string;
  what: string;
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

/** The products of a LoRA step on `c` at `rows` tokens that stock wasm sends to its scalar loop. */
export function loraStepProducts(c: ModelConfig, rows: number, rank: number): Product[] {
  const h = c.hidden;
  const inter = c.intermediate;
  const group = c.heads / c.kvHeads;
  const hd = c.headDim;
  return [
    {
      key: 'lora-down',
      what: `LoRA down x·Aᵀ [${rows},${h}]·[${rank},${h}]ᵀ`,
      a: [rows, h],
      b: [rank, h],
      ta: false,
      tb: true,
    },
    {
      key: 'lora-up',
      what: `LoRA up ·Bᵀ [${rows},${rank}]·[${inter},${rank}]ᵀ`,
      a: [rows, rank],
      b: [inter, rank],
      ta: false,
      tb: true,
    },
    {
      key: 'lora-grad-b',
      what: `LoRA dB = dyᵀ·down [${rows},${inter}]ᵀ·[${rows},${rank}]`,
      a: [rows, inter],
      b: [rows, rank],
      ta: true,
      tb: false,
    },
    {
      key: 'lora-grad-a',
      what: `LoRA dA = ddownᵀ·x [${rows},${rank}]ᵀ·[${rows},${h}]`,
      a: [rows, rank],
      b: [rows, h],
      ta: true,
      tb: false,
    },
    {
      key: 'dense-fwd',
      what: `x·Wᵀ [${rows},${h}]·[${inter},${h}]ᵀ`,
      a: [rows, h],
      b: [inter, h],
      ta: false,
      tb: true,
    },
    {
      key: 'dense-wgrad',
      what: `xᵀ·dy [${rows},${h}]ᵀ·[${rows},${inter}]`,
      a: [rows, h],
      b: [rows, inter],
      ta: true,
      tb: false,
    },
    {
      key: 'attn-scores',
      what: `q·kᵀ [${c.kvHeads},${group * rows},${hd}]·[${c.kvHeads},${rows},${hd}]ᵀ`,
      a: [c.kvHeads, group * rows, hd],
      b: [c.kvHeads, rows, hd],
      ta: false,
      tb: true,
    },
    {
      key: 'attn-values',
      what: `p·v [${c.kvHeads},${group * rows},${rows}]·[${c.kvHeads},${rows},${hd}]`,
      a: [c.kvHeads, group * rows, rows],
      b: [c.kvHeads, rows, hd],
      ta: false,
      tb: false,
    },
  ];
}

/** m·k·n·batch·2 of a product. */
function productFlops(p: Product): number {
  const [m, k] = p.ta ? [p.a[p.a.length - 1], p.a[p.a.length - 2]] : p.a.slice(-2);
  const n = p.tb ? p.b[p.b.length - 2] : p.b[p.b.length - 1];
  const batch = p.a.slice(0, -2).reduce((x, y) => x * y, 1);
  return matmulFlops(m, k, n) * batch;
}

/** Runs `body` with tfjs's own wasm matMul kernels, restoring ours afterwards. */
async function withStock<T>(body: () => Promise<T>): Promise<T> {
  unregisterWasmKernelOverrides();
  try {
    return await body();
  } finally {
    registerWasmKernelOverrides();
  }
}

/**
 * Times `body` with the stock kernels and with ours, alternating run by run (before, after, before, …) so a
 * neighbour's burst on the shared machine lands on both sides rather than on whichever ran second.
 */
async function timeBeforeAfter(
  plan: RunPlan,
  body: () => Promise<number>,
): Promise<{ before: number[]; after: number[] }> {
  for (let i = 0; i < plan.warmup; i++) {
    await withStock(body);
    await body();
  }
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < plan.runs; i++) {
    before.push(await withStock(body));
    after.push(await body());
  }
  return { before, after };
}

/** `body`'s wall time in ms. */
async function timed(body: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await body();
  return performance.now() - t0;
}

function reportPair(ctx: SuiteContext, key: string, what: string, unit: string, before: Summary, after: Summary): void {
  ctx.report(figure('wasm-matmul', `${key}/before`, `${what}: tfjs wasm kernel`, unit, before, true));
  ctx.report(figure('wasm-matmul', `${key}/after`, `${what}: our override`, unit, after, true));
  ctx.report(figure('wasm-matmul', `${key}/speedup`, `${what}: after ÷ before`, '×', ratioOf(after, before), true));
}

async function measureProducts(ctx: SuiteContext, c: ModelConfig): Promise<void> {
  const plan = runPlan(ctx.opts.quick);
  for (const p of loraStepProducts(c, TRAIN_SEQ, TRAIN_RANK)) {
    const a = tf.randomUniform(p.a, -1, 1, 'float32', 1);
    const b = tf.randomUniform(p.b, -1, 1, 'float32', 2);
    const op = () => tf.matMul(a, b, p.ta, p.tb);
    // One timed run = back-to-back calls for ~25 ms (timeOpRuns calibrates the count); its per-call median.
    const perCall = async (): Promise<number> => median(await timeOpRuns({ warmup: 0, runs: 1 }, op));
    const ms = await timeBeforeAfter(plan, perCall);
    const before = rate(ms.before, productFlops(p), 1e-9);
    const after = rate(ms.after, productFlops(p), 1e-9);
    reportPair(ctx, `wasm-matmul/${p.key}`, p.what, 'GFLOP/s', before, after);
    tf.dispose([a, b]);
  }
}

async function measureStep(ctx: SuiteContext, c: ModelConfig, mode: QuantMode, batch: number): Promise<void> {
  const model = buildModel(c, randomWeights(c), createLinearFactory(mode));
  const stepper = loraStepper(model, batch, TRAIN_SEQ);
  try {
    const ms = await timeBeforeAfter(runPlan(ctx.opts.quick, true), () => timed(() => stepper.step()));
    const before = rate(ms.before, stepper.tokens);
    const after = rate(ms.after, stepper.tokens);
    const what = `LoRA step (all-linear r=${TRAIN_RANK}), ${mode} base, batch ${batch}×${TRAIN_SEQ}`;
    reportPair(ctx, `wasm-matmul/train/${mode}/b${batch}`, what, 'tok/s', before, after);
  } finally {
    stepper.dispose();
    model.dispose();
  }
}

export async function runWasmMatMulSuite(ctx: SuiteContext): Promise<void> {
  if (ctx.opts.backend !== 'wasm')
    return ctx.skip('wasm-matmul', 'whole suite', 'measures the wasm backend override only');
  if (!wasmKernelOverridesActive()) return ctx.skip('wasm-matmul', 'whole suite', 'the override is not registered');
  const c = benchModelConfig(ctx.opts.model);
  await measureProducts(ctx, c);
  const blocker = trainStepBlocker(ctx.opts.backend, ctx.opts.model);
  if (blocker) return ctx.skip('wasm-matmul', 'train steps', blocker);
  for (const mode of ['f32', 'int4'] as const) await measureStep(ctx, c, mode, 1);
  if (ctx.opts.quick) ctx.skip('wasm-matmul', 'batch 4 step', '--quick');
  else await measureStep(ctx, c, 'f32', 4);
}
