/**
 * Batched matMuls of attention (`q·kᵀ`, `p·v`): one batched `tf.matMul` on every backend.
 *
 * Stock tfjs-wasm runs a batched or transposed product in a scalar loop ~10× slower than XNNPACK, which is why
 * this file used to split the batch into 2-D products there. Our wasm BatchMatMul override
 * (src/backend/kernels/batch-mat-mul-wasm.ts, registered by both wasm set-ups) now sends such products to XNNPACK
 * itself, and the loop lost to it (measured `bench/profile/attention-matmul.node.ts`, Node wasm, seq 256, forward +
 * both gradients: q·kᵀ 10.7 → 6.9 ms, p·v 12.9 → 6.9 ms on the small bench model; 17.2 → 13.0 and 13.6 → 11.1 ms
 * at SmolLM2-135M's 9/3 heads). Decode products (a few query rows over the cache) go to the stock kernel by the
 * override's own route choice. Only a wasm backend without the override (another tfjs version) keeps the loop.
 */
import { tf, type Tensor } from '../backend/tf';
import { wasmKernelOverridesActive } from '../backend/kernels/register-wasm';

/** True where batched products need splitting: wasm whose BatchMatMul is still tfjs's own. */
const needsLoop = (): boolean => tf.getBackend() === 'wasm' && !wasmKernelOverridesActive();

/** Swaps the last two axes (an explicit copy). */
function swapLast(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
  return tf.transpose(x, perm);
}

/** a [..., m, k] · b [..., k, n] → [..., m, n] as a loop of 2-D matMuls (same leading dims, no broadcasting). */
function loopMatMul(a: Tensor, b: Tensor): Tensor {
  const lead = a.shape.slice(0, -2);
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.rank - 1];
  const count = lead.reduce((x, y) => x * y, 1);
  return tf.tidy(() => {
    // split along a flattened leading axis: tf.unstack's wasm kernel copies element by element in JS.
    const as = tf.split(a.reshape([count * m, k]), count, 0); // count × [m, k]
    const bs = tf.split(b.reshape([count * k, n]), count, 0); // count × [k, n]
    const outs = as.map((ai, i) => tf.matMul(ai, bs[i])); // count × [m, n]
    return tf.concat(outs, 0).reshape([...lead, m, n]);
  });
}

const loopedMatMul = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
  const [a, b] = args as [Tensor, Tensor];
  const save = args[2] as tf.GradSaveFunc;
  save([a, b]);
  return {
    value: loopMatMul(a, b),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [sa, sb] = saved;
      return [loopMatMul(dy, swapLast(sb)), loopMatMul(swapLast(sa), dy)]; // dA = dY·Bᵀ, dB = Aᵀ·dY
    },
  };
});

/**
 * The loop path forced, whatever the backend (bench/profile/attention-matmul.node.ts weighs it against a plain
 * `tf.matMul`): `batchedMatMul` and `batchedMatMulTransposeB` as a wasm backend without our override runs them.
 */
export const loopedProducts = {
  matMul: (a: Tensor, b: Tensor): Tensor => loopedMatMul(a, b),
  matMulTransposeB: (a: Tensor, b: Tensor): Tensor => tf.tidy(() => loopedMatMul(a, swapLast(b))),
};

/** a [..., m, k] · b [..., k, n] → [..., m, n]; leading dims equal. Differentiable w.r.t. both. Caller owns it. */
export function batchedMatMul(a: Tensor, b: Tensor): Tensor {
  return needsLoop() ? loopedProducts.matMul(a, b) : tf.matMul(a, b);
}

/** a [..., m, k] · b[..., n, k]ᵀ → [..., m, n]; leading dims equal. Differentiable w.r.t. both. Caller owns it. */
export function batchedMatMulTransposeB(a: Tensor, b: Tensor): Tensor {
  return needsLoop() ? loopedProducts.matMulTransposeB(a, b) : tf.matMul(a, b, false, true);
}
