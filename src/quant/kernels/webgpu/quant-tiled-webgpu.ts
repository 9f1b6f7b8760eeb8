/**
 * Prefill / training, M > 1: C [M, N] = A [M, K] · B [K, N] where B is the packed weight, decoded once per
 * workgroup tile into workgroup memory and reused by all TM rows of A.
 *
 *   forward     A = x [M, in],   B[k, n] = W[n, k]   (K = in,  N = out)   → y = x·Wᵀ (+ b)
 *   inputGrad   A = dy [M, out], B[k, n] = W[k, n]   (K = out, N = in)    → dx = dy·W
 *
 * Tile TM×TN = 32×64 with TK = 32; 128 threads each accumulate a 4×4 block as an outer product of one
 * vec4 of A (4 rows) and one vec4 of B (4 columns) per k. Workgroup memory:
 * A 4 KiB + B 8 KiB (+ 64 B NF4 table), inside WebGPU's 16 KiB default. The tiles are scalar
 * arrays on purpose: threads write single elements of them (the forward B tile is written transposed), and a
 * per-component store into a shared vec4 may be lowered to a racy read-modify-write of the whole vector. The weight tile is fetched as
 * `vec4<u32>` (a 32-column strip of a row is 1/2/4 such loads for int4·nf4/int8/f16) and never exists as
 * float outside workgroup memory. Rows are padded to 32 columns, so a k-tile never reads past a packed row.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { decodeSnippet, weightVariableNames } from './quant-wgsl';

export const TILE_M = 32;
export const TILE_N = 64;
const TILE_K = 32;
const THREADS = 128;

export type TiledDirection = 'forward' | 'inputGrad';

export class QuantTiledProgram implements WebGPUProgram {
  /** Inputs in binding order: A (x or dy), packed words, scales (not for f16), bias (forward, when present). */
  variableNames: string[];
  /** A and scales scalar; words as vec4<i32>. */
  variableComponents: number[];
  /** [M, N]. */
  outputShape: number[];
  /** Direction, mode, group size, bias. */
  shaderKey: string;
  /** Output dim 1 (N) on x, dim 0 (M) on y. */
  dispatchLayout = { x: [1], y: [0] };
  /** One workgroup per TILE_M × TILE_N output tile. */
  dispatch: [number, number, number];
  /** 16 × 8 threads, 4 × 4 outputs each. */
  workgroupSize: [number, number, number] = [TILE_N / 4, TILE_M / 4, 1];
  /** Runtime sizes: one pipeline per (direction, mode, group, bias) whatever the layer. */
  uniforms = 'dimM : i32, dimK : i32, dimN : i32, dimOut : i32, rowVec4s : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly direction: TiledDirection;
  private readonly mode: PackedMode;
  private readonly hasBias: boolean;

  constructor(direction: TiledDirection, mode: PackedMode, m: number, n: number, hasBias: boolean) {
    this.direction = direction;
    this.mode = mode;
    this.hasBias = hasBias && direction === 'forward';
    const a = direction === 'forward' ? 'x' : 'dy';
    this.variableNames = [a, ...weightVariableNames(mode), ...(this.hasBias ? ['bias'] : [])];
    this.variableComponents = this.variableNames.map((name) => (name === 'words' ? 4 : 1));
    this.outputShape = [m, n];
    this.dispatch = [Math.ceil(n / TILE_N), Math.ceil(m / TILE_M), 1];
    this.shaderKey = `lsQuantTiled_${direction}_${mode}_${this.hasBias}`;
  }

  getUserCode(): string {
    const a = this.variableNames[0];
    return `
      ${decodeSnippet(this.mode)}
      var<workgroup> tileA : array<array<f32, ${TILE_M}>, ${TILE_K}>; // [k][m]
      var<workgroup> tileB : array<array<f32, ${TILE_N}>, ${TILE_K}>; // [k][n]

      fn loadTileA(m0 : i32, k0 : i32, t : i32) {
        for (var e = t; e < ${TILE_M * TILE_K}; e += ${THREADS}) {
          let mm = e / ${TILE_K};
          let kk = e % ${TILE_K};
          var v = 0.0;
          if (m0 + mm < uniforms.dimM && k0 + kk < uniforms.dimK) {
            v = ${a}[(m0 + mm) * uniforms.dimK + k0 + kk];
          }
          tileA[kk][mm] = v;
        }
      }
      ${this.direction === 'forward' ? this.loadTileBForward() : this.loadTileBInputGrad()}

      fn main() {
        initLut();
        let m0 = i32(workgroupId.y) * ${TILE_M};
        let n0 = i32(workgroupId.x) * ${TILE_N};
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let t = i32(localIndex);
        var acc0 = vec4<f32>(0.0);
        var acc1 = vec4<f32>(0.0);
        var acc2 = vec4<f32>(0.0);
        var acc3 = vec4<f32>(0.0);
        let numTiles = (uniforms.dimK + ${TILE_K - 1}) / ${TILE_K};
        for (var kt = 0; kt < numTiles; kt++) {
          loadTileA(m0, kt * ${TILE_K}, t);
          loadTileB(kt * ${TILE_K}, n0, t);
          workgroupBarrier();
          for (var kk = 0; kk < ${TILE_K}; kk++) {
            let av = vec4<f32>(tileA[kk][ty * 4], tileA[kk][ty * 4 + 1], tileA[kk][ty * 4 + 2], tileA[kk][ty * 4 + 3]);
            let bv = vec4<f32>(tileB[kk][tx * 4], tileB[kk][tx * 4 + 1], tileB[kk][tx * 4 + 2], tileB[kk][tx * 4 + 3]);
            acc0 += av.x * bv;
            acc1 += av.y * bv;
            acc2 += av.z * bv;
            acc3 += av.w * bv;
          }
          workgroupBarrier();
        }
        writeRow(m0 + ty * 4, n0 + tx * 4, acc0);
        writeRow(m0 + ty * 4 + 1, n0 + tx * 4, acc1);
        writeRow(m0 + ty * 4 + 2, n0 + tx * 4, acc2);
        writeRow(m0 + ty * 4 + 3, n0 + tx * 4, acc3);
      }

      fn writeRow(row : i32, col0 : i32, v : vec4<f32>) {
        if (row >= uniforms.dimM) {
          return;
        }
        if (col0 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0, v.x${this.bias(0)}); }
        if (col0 + 1 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 1, v.y${this.bias(1)}); }
        if (col0 + 2 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 2, v.z${this.bias(2)}); }
        if (col0 + 3 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 3, v.w${this.bias(3)}); }
      }
    `;
  }

  private bias(c: number): string {
    return this.hasBias ? ` + bias[col0 + ${c}]` : '';
  }

  /** B[k, n] = W[n0 + n, k0 + k]: TILE_N packed rows, a TILE_K-column strip of each, written transposed. */
  private loadTileBForward(): string {
    const vecCols = 4 * codesPerWord(this.mode);
    const perRow = TILE_K / vecCols;
    return `
      fn loadTileB(k0 : i32, n0 : i32, t : i32) {
        for (var e = t; e < ${TILE_N * perRow}; e += ${THREADS}) {
          let nn = e / ${perRow};
          let kq = (e % ${perRow}) * ${vecCols};
          let row = n0 + nn;
          var w4 = vec4<u32>(0u);
          var s = 0.0;
          if (row < uniforms.dimOut) {
            w4 = bitcast<vec4<u32>>(words[row * uniforms.rowVec4s + (k0 + kq) / ${vecCols}]);
            s = scaleAt(row, k0 + kq);
          }
          for (var j = 0u; j < Q_CPW; j++) {
            let v = decodeVec(w4, j) * s;
            let kk = kq + i32(j) * 4;
            tileB[kk][nn] = v.x;
            tileB[kk + 1][nn] = v.y;
            tileB[kk + 2][nn] = v.z;
            tileB[kk + 3][nn] = v.w;
          }
        }
      }`;
  }

  /** B[k, n] = W[k0 + k, n0 + n]: TILE_K packed rows, a TILE_N-column strip of each, in natural order. */
  private loadTileBInputGrad(): string {
    const vecCols = 4 * codesPerWord(this.mode);
    const perRow = TILE_N / vecCols;
    return `
      fn loadTileB(k0 : i32, n0 : i32, t : i32) {
        for (var e = t; e < ${TILE_K * perRow}; e += ${THREADS}) {
          let kk = e / ${perRow};
          let q = e % ${perRow};
          let row = k0 + kk;
          let col = n0 + q * ${vecCols};
          var w4 = vec4<u32>(0u);
          var s = 0.0;
          if (row < uniforms.dimOut && col < uniforms.rowVec4s * ${vecCols}) {
            w4 = bitcast<vec4<u32>>(words[row * uniforms.rowVec4s + col / ${vecCols}]);
            s = scaleAt(row, col);
          }
          for (var j = 0u; j < Q_CPW; j++) {
            let v = decodeVec(w4, j) * s;
            let nn = q * ${vecCols} + i32(j) * 4;
            tileB[kk][nn] = v.x;
            tileB[kk][nn + 1] = v.y;
            tileB[kk][nn + 2] = v.z;
            tileB[kk][nn + 3] = v.w;
          }
        }
      }`;
  }
}
