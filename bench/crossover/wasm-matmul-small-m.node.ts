/**
 * Where the wasm override's 'slices' route stops paying for few rows: attention products of a decode step (one
 * query row per head, the query heads of one KV head folded into m = group rows) against a KV cache of n keys.
 * Times tfjs's stock kernel and the forced 'slices' route on q·kᵀ ([kv, m, 64]·[kv, n, 64]ᵀ) and p·v
 * ([kv, m, n]·[kv, n, 64]) for m = 1…32, and prints per-call µs. Input to `MIN_SLICE_ROWS` in
 * src/backend/kernels/matmul-route.ts. Run: `nice -n 19 npx tsx bench/crossover/wasm-matmul-small-m.node.ts`.
 */
import { perCallUs, restoreOverrides, startStockWasm, useKernel } from './wasm-matmul-harness';

async function main(): Promise<void> {
  const stock = await startStockWasm();
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
        const s = await perCallUs([...a], [...b], false, tb, 20);
        useKernel(stock, 'slices');
        const o = await perCallUs([...a], [...b], false, tb, 20);
        console.log(`| ${what} | ${s.toFixed(1)} | ${o.toFixed(1)} | ${(s / o).toFixed(2)}× |`);
      }
    }
  }
  restoreOverrides(stock);
}

await main();
