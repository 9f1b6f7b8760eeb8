/**
 * Where the wasm override's 'slices' route stops paying for few rows: attention products of a decode step (one
 * query row per head, the query heads of one KV head folded into m = group rows) against a KV cache of n keys.
 * Times tfjs's stock kernel and the forced 'slices' route on q·kᵀ ([kv, m, 64]·[kv, n, 64]ᵀ) and p·v
 * ([kv, m, n]·[kv, n, 64]) for m = 1…32, and prints per-call µs. Input to `MIN_SLICE_ROWS` in
 * src/backend/kernels/matmul-route.ts. Run: `nice -n 19 npx tsx bench/crossover/wasm-matmul-small-m.node.ts`.
 */
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { batchMatMulWasm } from '../../src/backend/kernels/batch-mat-mul-wasm';
import {
  registerWasmKernelOverrides,
  stockWasmKernel,
  unregisterWasmKernelOverrides,
} from '../../src/backend/kernels/register-wasm';
import { timeOpRuns } from '../core/measure';

function useKernel(stock: tf.KernelConfig, forced: 'stock' | 'slices'): void {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error('wasm Transpose kernel missing');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: forced === 'stock' ? stock.kernelFunc : batchMatMulWasm(stock, transpose, () => 'slices'),
  });
}

async function perCallUs(a: number[], b: number[], tb: boolean): Promise<number> {
  const x = tf.randomUniform(a, -1, 1, 'float32', 1);
  const y = tf.randomUniform(b, -1, 1, 'float32', 2);
  const ms = await timeOpRuns({ warmup: 1, runs: 5 }, () => tf.matMul(x, y, false, tb), 20, 2000);
  tf.dispose([x, y]);
  return Math.min(...ms) * 1000;
}

async function main(): Promise<void> {
  if ((await initNodeBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not start');
  unregisterWasmKernelOverrides();
  const stock = stockWasmKernel('BatchMatMul');
  if (!stock) throw new Error('wasm BatchMatMul kernel missing');
  console.log('| product | stock µs | slices µs | stock ÷ slices |');
  console.log('| --- | --- | --- | --- |');
  const kv = 3;
  for (const n of [64, 256, 1024]) {
    for (const m of [1, 2, 4, 8, 16, 32]) {
      for (const [what, a, b, tb] of [
        [`q·kᵀ [${kv},${m},64]·[${kv},${n},64]ᵀ`, [kv, m, 64], [kv, n, 64], true],
        [`p·v  [${kv},${m},${n}]·[${kv},${n},64]`, [kv, m, n], [kv, n, 64], false],
      ] as const) {
        useKernel(stock, 'stock');
        const s = await perCallUs([...a], [...b], tb);
        useKernel(stock, 'slices');
        const o = await perCallUs([...a], [...b], tb);
        console.log(`| ${what} | ${s.toFixed(1)} | ${o.toFixed(1)} | ${(s / o).toFixed(2)}× |`);
      }
    }
  }
  useKernel(stock, 'stock');
  registerWasmKernelOverrides();
}

await main();
