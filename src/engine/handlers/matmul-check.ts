import { tf } from '../../backend/tf';
import { InvalidRequestError } from '../../spec/errors';
import type { HandlerSpec } from '../job';
import { referenceMatmul } from '../../quant/synthetic';
import { mulberry32 } from '../../util/rng';

const MAX_DIM = 512;

/**
 * `matmulCheck`: multiplies seeded random [m, k]·[k, n] matrices on the current backend and compares with a
 * float64 product on the CPU. Catches broken drivers and the stale-buffer failure mode before a long run.
 */
export const matmulCheckHandler: HandlerSpec<'matmulCheck'> = {
  gpu: true,
  async run(params, job) {
    const m = dim(params.m, 8, 'm');
    const k = dim(params.k, 64, 'k');
    const n = dim(params.n, 8, 'n');
    const rand = mulberry32(params.seed ?? 1);
    const a = Float32Array.from({ length: m * k }, () => rand() * 2 - 1);
    const b = Float32Array.from({ length: k * n }, () => rand() * 2 - 1);
    const started = performance.now();
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n]))); // [m, n]
    // We own `product` (it left the tidy); dispose after the read.
    const got = await product.data();
    product.dispose();
    const millis = performance.now() - started;
    const want = referenceMatmul(a, b, m, k, n);
    let maxAbsDiff = 0;
    for (let i = 0; i < want.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(got[i] - want[i]));
    // fp32 accumulation of k products of values in [-1, 1]: error grows about linearly in k.
    const tolerance = 4 * k * 2 ** -23 + 1e-6;
    job.log('info', `matmul ${m}×${k}×${n} on ${tf.getBackend()}: max |Δ| ${maxAbsDiff.toExponential(2)}`);
    return { backend: tf.getBackend(), shape: [m, k, n], maxAbsDiff, tolerance, ok: maxAbsDiff <= tolerance, millis };
  },
};

function dim(v: number | undefined, fallback: number, name: string): number {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1 || x > MAX_DIM) {
    throw new InvalidRequestError(`matmulCheck: ${name} must be an integer in 1..${MAX_DIM}, got ${x}.`);
  }
  return x;
}
