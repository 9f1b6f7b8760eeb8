/**
 * Where the wasm matMul override starts to pay (src/backend/kernels/matmul-route.ts): times each path — tfjs's
 * stock kernel and our XNNPACK route forced for every shape — on small transposed and batched products around the
 * thresholds, and prints per-call µs and the ratio. Run: `nice -n 19 npx tsx bench/crossover/wasm-matmul-routes.node.ts`.
 * Figures are the fastest of 5 runs of back-to-back calls (the fastest is the least disturbed by a busy
 * neighbour on a shared machine).
 */
import { type MatMulRoute } from '../../src/backend/kernels/matmul-route';
import { perCallUs, restoreOverrides, startStockWasm, useKernel } from './wasm-matmul-harness';

interface Shape {
  what: string;
  /** The route forced for "ours" (default: fold for 2-D, slices for batched). */
  route?: MatMulRoute;
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

function shapes(): Shape[] {
  const out: Shape[] = [];
  for (const n of [8, 16, 24, 32, 40, 48, 64]) {
    out.push({ what: `fold  ${n}³ ·Bᵀ`, a: [n, n], b: [n, n], ta: false, tb: true });
    out.push({ what: `fold  ${n}³ Aᵀ·`, a: [n, n], b: [n, n], ta: true, tb: false });
  }
  for (const [rows, inF, r] of [
    [16, 64, 8],
    [64, 64, 8],
    [64, 256, 8],
    [256, 256, 16],
  ]) {
    out.push({
      what: `fold  LoRA x[${rows},${inF}]·A[${r},${inF}]ᵀ`,
      a: [rows, inF],
      b: [r, inF],
      ta: false,
      tb: true,
    });
  }
  for (const [m, k, n] of [
    [1, 576, 1536],
    [4, 576, 1536],
    [16, 576, 1536],
    [64, 576, 1536],
    [256, 576, 576],
  ]) {
    for (const route of ['fold', 'swap'] as const) {
      out.push({ what: `${route} x[${m},${k}]·W[${n},${k}]ᵀ`, a: [m, k], b: [n, k], ta: false, tb: true, route });
    }
  }
  for (const n of [8, 16, 24, 32, 40, 48, 64]) {
    out.push({ what: `slices 8×${n}³ ·Bᵀ`, a: [8, n, n], b: [8, n, n], ta: false, tb: true });
    out.push({ what: `slices 8×${n}³ ·B`, a: [8, n, n], b: [8, n, n], ta: false, tb: false });
  }
  return out;
}

async function main(): Promise<void> {
  const stock = await startStockWasm();
  console.log('| product | m·k·n per slice | stock µs | ours µs | stock ÷ ours |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const s of shapes()) {
    const route: MatMulRoute = s.route ?? (s.a.length > 2 ? 'slices' : 'fold');
    useKernel(stock, 'stock');
    const before = await perCallUs(s.a, s.b, s.ta, s.tb, 30);
    useKernel(stock, route);
    const ours = await perCallUs(s.a, s.b, s.ta, s.tb, 30);
    const [m, k] = s.ta ? [s.a[s.a.length - 1], s.a[s.a.length - 2]] : s.a.slice(-2);
    const n = s.tb ? s.b[s.b.length - 2] : s.b[s.b.length - 1];
    console.log(
      `| ${s.what} | ${m * k * n} | ${before.toFixed(1)} | ${ours.toFixed(1)} | ${(before / ours).toFixed(2)}× |`,
    );
  }
  restoreOverrides(stock);
}

await main();
