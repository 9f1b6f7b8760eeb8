/**
 * Batched matMuls of attention (`q·kᵀ`, `p·v`) in the fastest form per backend.
 *
 * tfjs-wasm sends only untransposed, unbatched (2-D) matMuls to XNNPACK; batched or transposed ones take a naive
 * loop measured ~10× slower. On wasm we therefore split the batch into 2-D products (one per batch·KV-head slice,
 * a handful per layer) and give the op a custom gradient whose products are untransposed too (the transposes are
 * explicit, on activations). Other backends use one batched `tf.matMul`, whose transposes are free.
 */
import { tf, type Tensor } from '../backend/tf';

const onWasm = (): boolean => tf.getBackend() === 'wasm';

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

const wasmMatMul = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
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

/** a [..., m, k] · b [..., k, n] → [..., m, n]; leading dims equal. Differentiable w.r.t. both. Caller owns it. */
export function batchedMatMul(a: Tensor, b: Tensor): Tensor {
  return onWasm() ? wasmMatMul(a, b) : tf.matMul(a, b);
}

/** a [..., m, k] · b[..., n, k]ᵀ → [..., m, n]; leading dims equal. Differentiable w.r.t. both. Caller owns it. */
export function batchedMatMulTransposeB(a: Tensor, b: Tensor): Tensor {
  return onWasm() ? tf.tidy(() => wasmMatMul(a, swapLast(b))) : tf.matMul(a, b, false, true);
}
