/**
 * Suite 1 — backend peak: fp32 `tf.matMul` GFLOP/s on a large square product, with tfjs's own kernel on the
 * backend under test. This is "the limit" of this backend on this machine in this run: MFU figures divide by it,
 * so they say how close our training step comes to the best matmul the same backend can do right now (a
 * neighbour's load on a shared CPU moves both numbers together).
 */
import { tf } from '../../src/backend/tf';
import { figure, rate, type SuiteContext } from '../core/context';
import { matmulFlops } from '../core/flops';
import { runPlan, syncTensor, timeRuns } from '../core/measure';
import type { BackendName } from '../core/types';

/** Square size: big enough to reach the backend's plateau, small enough for a software GPU / pure JS. */
export function peakSize(backend: BackendName, quick: boolean): number {
  if (backend === 'cpu') return quick ? 256 : 512;
  if (backend === 'webgpu') return quick ? 512 : 2048;
  return quick ? 1024 : 2048;
}

/**
 * Measures the fp32 matMul peak; `ctx.peakFlops` keeps the highest peak measured so far in the run. The train
 * suite measures again right before it trains (a long run on a shared machine sees the load drift), and MFU is
 * held against the best the backend showed — a peak caught at a loaded moment must never flatter MFU.
 */
export async function measurePeak(
  ctx: SuiteContext,
  suite: 'peak' | 'train',
  key: string,
  note: string,
): Promise<void> {
  const n = peakSize(ctx.opts.backend, ctx.opts.quick);
  const a = tf.randomUniform([n, n], -1, 1, 'float32', 1); // [n, n]
  const b = tf.randomUniform([n, n], -1, 1, 'float32', 2); // [n, n]
  await syncTensor(b);
  const samples = await timeRuns(runPlan(ctx.opts.quick), async () => {
    const c = tf.matMul(a, b); // [n, n]
    await syncTensor(c);
    c.dispose();
  });
  a.dispose();
  b.dispose();
  const s = rate(samples, matmulFlops(n, n, n), 1e-9);
  ctx.peakFlops = Math.max(ctx.peakFlops ?? 0, s.median * 1e9);
  ctx.report(figure(suite, `${key}/${n}`, `fp32 tf.matMul ${n}×${n}×${n}`, 'GFLOP/s', s, true, note));
}

export async function runPeakSuite(ctx: SuiteContext): Promise<void> {
  await measurePeak(ctx, 'peak', 'peak/matmul-f32', 'the limit');
}
