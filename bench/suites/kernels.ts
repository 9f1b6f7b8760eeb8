/**
 * Suite 2 — kernels: our dequant-matmul (QuantMatMul) and its input-gradient kernel (QuantMatMulInputGrad) for
 * int8 / int4 / nf4 against tfjs's fp32 `matMul` on the same shapes, on the backend under test. Shapes are
 * SmolLM2-135M's projections (in×out): q/o 576×576, gate/up 576×1536, down 1536×576, LM head 576×49152; rows
 * M = 1 (decode), 16 (small batch), 256 (prefill / training). Both sides run the registered op exactly as the
 * model does (`tf.engine().runKernel` with the packed words and scales, `tf.matMul` with a float W). The fp32
 * side is timed in both weight layouts — W [out, in] (`f32`, as the f32 Linear stores it) and a pre-transposed
 * Wt [in, out] (`f32-wt`) — and ratios are taken against the faster one, so a ratio ≥ 1 means we beat the best
 * fp32 tfjs can do here, not a strawman.
 */
import { tf, type Tensor, type Tensor2D } from '../../src/backend/tf';
import {
  DEFAULT_GROUP_SIZE,
  packedLayout,
  quantize,
  registerQuantKernels,
  QUANT_MATMUL,
  QUANT_MATMUL_INPUT_GRAD,
  type PackedMode,
} from '../../src/quant';
import { figure, rate, type SuiteContext } from '../core/context';
import { matmulFlops } from '../core/flops';
import { runPlan, timeOpRuns } from '../core/measure';
import { uniform } from '../core/random';
import { ratioOf, type Summary } from '../core/stats';
import type { BackendName } from '../core/types';

export const KERNEL_MODES: readonly PackedMode[] = ['int8', 'int4', 'nf4'];

/** [in, out] of the measured projections. */
export const KERNEL_SHAPES: readonly (readonly [number, number])[] = [
  [576, 576],
  [576, 1536],
  [1536, 576],
  [576, 49152],
];

export interface KernelCase {
  inFeatures: number;
  outFeatures: number;
  m: number;
}

/** Cases to measure: all shapes × M ∈ {1, 16, 256}; --quick drops M = 256, and on a software GPU the big M=16 head. */
export function kernelCases(backend: BackendName, quick: boolean): KernelCase[] {
  const ms = quick ? [1, 16] : [1, 16, 256];
  const cases: KernelCase[] = [];
  for (const [inFeatures, outFeatures] of KERNEL_SHAPES) {
    for (const m of ms) {
      if (quick && backend !== 'wasm' && m > 1 && outFeatures > 4096) continue;
      cases.push({ inFeatures, outFeatures, m });
    }
  }
  return cases;
}

/** The packed weight as the device tensors QuantLinear keeps, plus the op attributes. */
interface PackedTensors {
  mode: PackedMode;
  inputs: { words: Tensor2D; scales: Tensor2D };
  attrs: { mode: PackedMode; groupSize: 64; inFeatures: number; outFeatures: number };
}

function uploadPacked(w: Float32Array, out: number, inp: number, mode: PackedMode): PackedTensors {
  const p = quantize(w, [out, inp], mode, DEFAULT_GROUP_SIZE);
  const l = packedLayout(mode, inp, DEFAULT_GROUP_SIZE);
  const bits = new Int32Array(p.words.buffer, p.words.byteOffset, p.words.length);
  return {
    mode,
    inputs: {
      words: tf.tensor2d(bits, [out, l.rowWords], 'int32'), // [out, rowWords] u32 bits
      scales: tf.tensor2d(p.scales, [out, l.groupsPerRow]), // [out, groupsPerRow]
    },
    attrs: { mode, groupSize: 64, inFeatures: inp, outFeatures: out },
  };
}

async function timeOp(quick: boolean, flops: number, op: () => Tensor): Promise<Summary> {
  const samples = await timeOpRuns(runPlan(quick, flops > 4e9), op);
  return rate(samples, flops, 1e-9);
}

/** The stronger of two fp32 baselines (by median). */
function best(a: Summary, b: Summary): Summary {
  return a.median >= b.median ? a : b;
}

type Direction = 'forward' | 'input-grad';

function reportPair(
  ctx: SuiteContext,
  c: KernelCase,
  name: string,
  dir: Direction,
  s: Summary,
  base: Summary | null,
): void {
  const shape = `${c.inFeatures}x${c.outFeatures}`;
  const key = `kernels/${name}/${shape}/M${c.m}/${dir}`;
  const what = dir === 'forward' ? 'y = x·Wᵀ' : 'dx = dy·W';
  ctx.report(figure('kernels', key, `${name} ${dir} ${shape} M=${c.m} (${what})`, 'GFLOP/s', s, true));
  if (base) {
    const label = `${name} ${dir} ${shape} M=${c.m} vs best tfjs fp32`;
    ctx.report(figure('kernels', `${key}/vs-f32`, label, '×', ratioOf(s, base), true));
  }
}

/**
 * fp32 baselines in both weight layouts: W [out, in] (`f32`: forward x·Wᵀ as FloatLinear/DenseLinear call it, input
 * gradient dy·W) and Wt [in, out] (`f32-wt`: x·Wt and dy·Wtᵀ). The faster of each pair is the ratio's denominator.
 */
async function measureF32(ctx: SuiteContext, c: KernelCase, w: Tensor2D, wt: Tensor2D, x: Tensor2D, dy: Tensor2D) {
  const flops = matmulFlops(c.m, c.inFeatures, c.outFeatures);
  const fwdT = await timeOp(ctx.opts.quick, flops, () => tf.matMul(x, w, false, true)); // [M, out]
  reportPair(ctx, c, 'f32', 'forward', fwdT, null);
  const fwdWt = await timeOp(ctx.opts.quick, flops, () => tf.matMul(x, wt)); // [M, out]
  reportPair(ctx, c, 'f32-wt', 'forward', fwdWt, null);
  const gradW = await timeOp(ctx.opts.quick, flops, () => tf.matMul(dy, w)); // [M, in]
  reportPair(ctx, c, 'f32', 'input-grad', gradW, null);
  const gradWt = await timeOp(ctx.opts.quick, flops, () => tf.matMul(dy, wt, false, true)); // [M, in]
  reportPair(ctx, c, 'f32-wt', 'input-grad', gradWt, null);
  return { forward: best(fwdT, fwdWt), grad: best(gradW, gradWt) };
}

async function measureCase(
  ctx: SuiteContext,
  c: KernelCase,
  w: Tensor2D,
  wt: Tensor2D,
  packed: PackedTensors[],
): Promise<void> {
  const { inFeatures: inp, outFeatures: out, m } = c;
  const flops = matmulFlops(m, inp, out);
  const x = tf.tensor2d(uniform(m * inp, 11 + m), [m, inp]); // [M, in]
  const dy = tf.tensor2d(uniform(m * out, 13 + m), [m, out]); // [M, out]
  const base = await measureF32(ctx, c, w, wt, x, dy);
  for (const p of packed) {
    const fwd = await timeOp(
      ctx.opts.quick,
      flops,
      () => tf.engine().runKernel(QUANT_MATMUL, { x, ...p.inputs }, { ...p.attrs }) as Tensor,
    );
    reportPair(ctx, c, p.mode, 'forward', fwd, base.forward);
    const grad = await timeOp(
      ctx.opts.quick,
      flops,
      () => tf.engine().runKernel(QUANT_MATMUL_INPUT_GRAD, { dy, ...p.inputs }, { ...p.attrs }) as Tensor,
    );
    reportPair(ctx, c, p.mode, 'input-grad', grad, base.grad);
  }
  x.dispose();
  dy.dispose();
}

export async function runKernelSuite(ctx: SuiteContext): Promise<void> {
  registerQuantKernels();
  const cases = kernelCases(ctx.opts.backend, ctx.opts.quick);
  for (const [inp, out] of KERNEL_SHAPES) {
    const mine = cases.filter((c) => c.inFeatures === inp && c.outFeatures === out);
    if (mine.length === 0) continue;
    const host = uniform(out * inp, out * 7 + inp, 1 / Math.sqrt(inp)); // [out, in] row-major
    const w = tf.tensor2d(host, [out, inp]); // [out, in]
    const wt = tf.tidy(() => w.transpose() as Tensor2D); // [in, out]
    const packed = KERNEL_MODES.map((mode) => uploadPacked(host, out, inp, mode));
    try {
      for (const c of mine) await measureCase(ctx, c, w, wt, packed);
    } finally {
      w.dispose();
      wt.dispose();
      for (const p of packed) {
        p.inputs.words.dispose();
        p.inputs.scales.dispose();
      }
    }
  }
  const dropped = KERNEL_SHAPES.length * (ctx.opts.quick ? 2 : 3) - cases.length;
  if (dropped > 0)
    ctx.skip('kernels', `${dropped} case(s) with M>1 on the 576×49152 head`, '--quick on a slow backend');
  if (ctx.opts.quick) ctx.skip('kernels', 'M = 256', '--quick');
}
