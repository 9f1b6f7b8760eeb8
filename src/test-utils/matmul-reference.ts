/**
 * A float64 matMul straight from the definition and the error measure the wasm matMul tests compare with.
 */
import { expect } from 'vitest';
import { tf } from '../backend/tf';
import { matMulGeometry, operandBatchIndex, type MatMulRoute } from '../backend/kernels/matmul-route';

/** One product of the wasm matMul tests: operand shapes, transpose flags, and the route it should take. */
export interface MatMulCase {
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
  route?: MatMulRoute;
  /** tfjs-backend-wasm 4.22's own kernel fills only max(batchA, batchB) slices when both sides broadcast. */
  stockWrong?: boolean;
}

/** `[a]ᵀ·[b]ᵀ` of a case, for messages. */
export const caseLabel = (c: MatMulCase): string => `[${c.a}]${c.ta ? 'ᵀ' : ''}·[${c.b}]${c.tb ? 'ᵀ' : ''}`;

/** ‖x − y‖∞ / ‖y‖∞: the kernels sum in different orders, so element-wise relative error means nothing near 0. */
export function relErr(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    diff = Math.max(diff, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return diff / scale;
}

/** a·b in float64 on plain arrays, any batch broadcasting, straight from the definition. */
export function referenceMatMul(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Float64Array {
  const g = matMulGeometry(a.shape, b.shape, ta, tb);
  const av = a.dataSync();
  const bv = b.dataSync();
  const out = new Float64Array(g.batch * g.m * g.n);
  for (let i = 0; i < g.batch; i++) {
    const ao = operandBatchIndex(i, g.batchShape, g.aBatchShape) * g.m * g.k;
    const bo = operandBatchIndex(i, g.batchShape, g.bBatchShape) * g.k * g.n;
    for (let r = 0; r < g.m; r++) {
      for (let c = 0; c < g.n; c++) {
        let s = 0;
        for (let j = 0; j < g.k; j++)
          s += av[ao + (ta ? j * g.m + r : r * g.k + j)] * bv[bo + (tb ? c * g.k + j : j * g.n + c)];
        out[(i * g.m + r) * g.n + c] = s;
      }
    }
  }
  return out;
}
