/**
 * Attention's batched products on wasm (Node): the loop of 2-D matMuls in `src/model/batched-matmul.ts`'s former
 * wasm path against one plain batched `tf.matMul`, with our wasm BatchMatMul override registered and without it.
 * Shapes of the bench models' attention: training (q·kᵀ and p·v forward + both gradients at seq 256) and decode
 * (one query per head over a cache of 256/1024 keys, forward only). Prints the fastest of 5 runs in ms.
 * Run: `nice -n 19 npx tsx bench/profile/attention-matmul.node.ts`.
 */
import { initNodeBackend } from '../../src/backend/node';
import { tf, type Tensor } from '../../src/backend/tf';
import { registerWasmKernelOverrides, unregisterWasmKernelOverrides } from '../../src/backend/kernels/register-wasm';
import { loopedProducts } from '../../src/model/batched-matmul';
import { timeOpRuns } from '../core/measure';

/** The pre-override wasm path (one 2-D matMul per batch slice), as src/model/batched-matmul.ts still runs it. */
const loopT = loopedProducts.matMulTransposeB;
const loop = loopedProducts.matMul;
const plainT = (a: Tensor, b: Tensor): Tensor => tf.matMul(a, b, false, true);
const plain = (a: Tensor, b: Tensor): Tensor => tf.matMul(a, b);

type Product = (a: Tensor, b: Tensor) => Tensor;

/** Forward + both gradients of sum(f(a, b)·w). */
function fwdBwd(f: Product, a: Tensor, b: Tensor, w: Tensor): () => Tensor {
  const g = tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(f(x, y), w)));
  return () => tf.tidy(() => tf.addN(g([a, b]).map((t) => t.sum())));
}

async function best(op: () => Tensor): Promise<number> {
  return Math.min(...(await timeOpRuns({ warmup: 1, runs: 5 }, op, 40, 500)));
}

async function main(): Promise<void> {
  await initNodeBackend('wasm');
  const r = (s: number[], seed: number) => tf.randomUniform(s, -1, 1, 'float32', seed);
  // [batch, kvHeads, group·seq, headDim] — small (4 heads / 2 KV) and smollm2-135m (9 / 3) at seq 256.
  const rows: string[] = [];
  for (const [name, kv, group, seq, d] of [
    ['small', 2, 2, 256, 64],
    ['smollm2', 3, 3, 256, 64],
  ] as const) {
    const q = r([1, kv, group * seq, d], 1);
    const k = r([1, kv, seq, d], 2);
    const v = r([1, kv, seq, d], 3);
    const p = r([1, kv, group * seq, seq], 4);
    const wS = r([1, kv, group * seq, seq], 5);
    const wO = r([1, kv, group * seq, d], 6);
    const cases: [string, () => Tensor, () => Tensor][] = [
      [`${name} train q·kᵀ fwd+bwd`, fwdBwd(loopT, q, k, wS), fwdBwd(plainT, q, k, wS)],
      [`${name} train p·v  fwd+bwd`, fwdBwd(loop, p, v, wO), fwdBwd(plain, p, v, wO)],
    ];
    for (const total of [256, 1024]) {
      const qd = r([1, kv, group, d], 7);
      const kd = r([1, kv, total, d], 8);
      const pd = r([1, kv, group, total], 9);
      const vd = r([1, kv, total, d], 10);
      cases.push([`${name} decode q·kᵀ ctx ${total}`, () => loopT(qd, kd), () => plainT(qd, kd)]);
      cases.push([`${name} decode p·v  ctx ${total}`, () => loop(pd, vd), () => plain(pd, vd)]);
    }
    for (const [what, l, p2] of cases) {
      registerWasmKernelOverrides();
      const [loopOv, plainOv] = [await best(l), await best(p2)];
      unregisterWasmKernelOverrides();
      const [loopStock, plainStock] = [await best(l), await best(p2)];
      registerWasmKernelOverrides();
      rows.push(
        `${what.padEnd(30)} override: loop ${loopOv.toFixed(3)} plain ${plainOv.toFixed(3)} ms | stock: loop ${loopStock.toFixed(3)} plain ${plainStock.toFixed(3)} ms`,
      );
      console.log(rows[rows.length - 1]);
    }
  }
}

void main();
