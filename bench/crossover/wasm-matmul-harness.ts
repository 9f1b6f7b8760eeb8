/**
 * What both wasm matMul crossover benches do around their tables: start the wasm backend with tfjs's stock
 * BatchMatMul, swap stock for our override forced onto one route, time one product, and put the overrides back.
 */
import { initNodeBackend } from '../../src/backend/node';
import { tf } from '../../src/backend/tf';
import { batchMatMulWasm } from '../../src/backend/kernels/batch-mat-mul-wasm';
import type { MatMulRoute } from '../../src/backend/kernels/matmul-route';
import {
  registerWasmKernelOverrides,
  stockWasmKernel,
  unregisterWasmKernelOverrides,
} from '../../src/backend/kernels/register-wasm';
import { timeOpRuns } from '../core/measure';

/** The wasm backend with our overrides off; returns tfjs's own BatchMatMul kernel. */
export async function startStockWasm(): Promise<tf.KernelConfig> {
  if ((await initNodeBackend('wasm')) !== 'wasm') throw new Error('wasm backend did not start');
  unregisterWasmKernelOverrides();
  const stock = stockWasmKernel('BatchMatMul');
  if (!stock) throw new Error('wasm BatchMatMul kernel missing');
  return stock;
}

/** Registers BatchMatMul for wasm as tfjs's kernel `stock`, or as ours with every product forced onto `route`. */
export function useKernel(stock: tf.KernelConfig, route: MatMulRoute | 'stock'): void {
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!transpose) throw new Error('wasm Transpose kernel missing');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  const kernelFunc = route === 'stock' ? stock.kernelFunc : batchMatMulWasm(stock, transpose, () => route);
  tf.registerKernel({ ...stock, kernelFunc });
}

/** Puts the product's own kernels back (stock BatchMatMul under our overrides). */
export function restoreOverrides(stock: tf.KernelConfig): void {
  useKernel(stock, 'stock');
  registerWasmKernelOverrides();
}

/** µs per `matMul(a, b, ta, tb)` on random inputs: the fastest of 5 runs of `calls` back-to-back calls. */
export async function perCallUs(a: number[], b: number[], ta: boolean, tb: boolean, calls: number): Promise<number> {
  const x = tf.randomUniform(a, -1, 1, 'float32', 1);
  const y = tf.randomUniform(b, -1, 1, 'float32', 2);
  const ms = await timeOpRuns({ warmup: 1, runs: 5 }, () => tf.matMul(x, y, ta, tb), calls, 2000);
  tf.dispose([x, y]);
  return Math.min(...ms) * 1000;
}
