/**
 * Prefill / training, M > 1: C [M, N] = A [M, K] · B [K, N] where B is the packed weight, decoded once per
 * workgroup tile into workgroup memory and reused by all TILE_M rows of A.
 *
 *   forward     A = x [M, in],   B[k, n] = W[n, k]   (K = in,  N = out)   → y = x·Wᵀ (+ b)
 *   inputGrad   A = dy [M, out], B[k, n] = W[k, n]   (K = out, N = in)    → dx = dy·W
 *
 * Tile 32 (M) × 64 (N) × 32 (K), 128 threads, 4 × 4 outputs per thread. Both tiles hold vec4s that one thread
 * writes whole (a per-component store into a shared vec4 can be lowered to a racy read-modify-write of the
 * vector, e.g. by Tint's HLSL writer), and both are read as vec4: 8 shared vec4 loads per 64 FMAs.
 * - A is stored [m][k/4] (vec4 along k).
 * - forward: W rows are n, so the decoded strip of a row is already a run along k: stored [n][k/4] and consumed
 *   as dot products; a thread's 4 columns are n = tx + 16·j, so neighbouring threads read neighbouring rows
 *   (rows padded by one vec4 against bank conflicts) and write neighbouring outputs.
 * - inputGrad: W rows are k and the decoded strip runs along n: stored [k][n/4] and consumed as outer products;
 *   a thread's 4 columns are n = 4·tx .. 4·tx + 3.
 * The weight tile is fetched as `vec4<u32>` and never exists as float outside workgroup memory. Packed rows are
 * padded to 32 columns, so a forward k-tile never reads past a row. Workgroup memory ≤ 14 KiB (+64 B NF4 table).
 */
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { QuantProgram } from './quant-program';
import { decodeSnippet, weightVariableNames } from './quant-wgsl';

export const TILE_M = 32;
export const TILE_N = 64;
const TILE_K = 32;
const K4 = TILE_K / 4;
const THREADS = 128;

export type TiledDirection = 'forward' | 'inputGrad';

/** A (x or dy), scales and bias scalar; words as vec4<i32>. Output [M, N]; shader key: direction, mode, bias. */
export class QuantTiledProgram extends QuantProgram {
  /** 16 × 8 threads, 4 × 4 outputs each; one workgroup per TILE_M × TILE_N output tile. */
  workgroupSize: [number, number, number] = [TILE_N / 4, TILE_M / 4, 1];
  uniforms = 'dimM : i32, dimK : i32, dimN : i32, dimOut : i32, rowVec4s : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly direction: TiledDirection;
  private readonly hasBias: boolean;

  constructor(direction: TiledDirection, mode: PackedMode, m: number, n: number, hasBias: boolean) {
    const withBias = hasBias && direction === 'forward';
    const a = direction === 'forward' ? 'x' : 'dy';
    const variableNames = [a, ...weightVariableNames(mode), ...(withBias ? ['bias'] : [])];
    super(mode, {
      variableNames,
      variableComponents: variableNames.map((name) => (name === 'words' ? 4 : 1)),
      outputShape: [m, n],
      dispatch: [Math.ceil(n / TILE_N), Math.ceil(m / TILE_M), 1],
      shaderKey: `lsQuantTiled_${direction}_${mode}_${withBias}`,
    });
    this.direction = direction;
    this.hasBias = withBias;
  }

  getUserCode(): string {
    const forward = this.direction === 'forward';
    return `
      ${decodeSnippet(this.mode)}
      var<workgroup> tileA : array<array<vec4<f32>, ${K4 + 1}>, ${TILE_M}>; // [m][k / 4], padded
      ${forward ? `var<workgroup> tileW : array<array<vec4<f32>, ${K4 + 1}>, ${TILE_N}>; // [n][k / 4], padded` : `var<workgroup> tileW : array<array<vec4<f32>, ${TILE_N / 4}>, ${TILE_K}>; // [k][n / 4]`}

      fn readA(m : i32, k : i32) -> f32 {
        if (m < uniforms.dimM && k < uniforms.dimK) {
          return ${this.variableNames[0]}[m * uniforms.dimK + k];
        }
        return 0.0;
      }

      // TILE_M × TILE_K floats as vec4s along k; neighbouring threads take neighbouring k (coalesced reads).
      fn loadTileA(m0 : i32, k0 : i32, t : i32) {
        for (var e = t; e < ${TILE_M * K4}; e += ${THREADS}) {
          let mm = e / ${K4};
          let k = k0 + (e % ${K4}) * 4;
          tileA[mm][e % ${K4}] = vec4<f32>(readA(m0 + mm, k), readA(m0 + mm, k + 1), readA(m0 + mm, k + 2), readA(m0 + mm, k + 3));
        }
      }
      ${forward ? this.forwardBody() : this.inputGradBody()}
    `;
  }

  /** B[k, n] = W[n0 + n, k0 + k]: TILE_N packed rows, a TILE_K-column strip of each, kept row-major. */
  private forwardBody(): string {
    const vecCols = 4 * codesPerWord(this.mode);
    const perRow = TILE_K / vecCols;
    const bias = (j: number) => (this.hasBias ? ` + bias[col0 + ${16 * j}]` : '');
    return `
      fn loadTileW(k0 : i32, n0 : i32, t : i32) {
        for (var e = t; e < ${TILE_N * perRow}; e += ${THREADS}) {
          let nn = e / ${perRow};
          let q = e % ${perRow};
          let row = n0 + nn;
          var w4 = vec4<u32>(0u);
          var s = 0.0;
          if (row < uniforms.dimOut) {
            w4 = bitcast<vec4<u32>>(words[row * uniforms.rowVec4s + k0 / ${vecCols} + q]);
            s = scaleAt(row, k0 + q * ${vecCols});
          }
          for (var j = 0u; j < Q_CPW; j++) {
            tileW[nn][q * ${codesPerWord(this.mode)} + i32(j)] = decodeVec(w4, j) * s;
          }
        }
      }

      fn writeRow(row : i32, col0 : i32, v : vec4<f32>) {
        if (row >= uniforms.dimM) {
          return;
        }
        if (col0 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0, v.x${bias(0)}); }
        if (col0 + 16 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 16, v.y${bias(1)}); }
        if (col0 + 32 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 32, v.z${bias(2)}); }
        if (col0 + 48 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 48, v.w${bias(3)}); }
      }

      ${tiledMain(
        'row ty, columns tx + 16·j',
        `            let b0 = tileW[tx][k4];
            let b1 = tileW[tx + 16][k4];
            let b2 = tileW[tx + 32][k4];
            let b3 = tileW[tx + 48][k4];
            let a0 = tileA[ty][k4];
            let a1 = tileA[ty + 8][k4];
            let a2 = tileA[ty + 16][k4];
            let a3 = tileA[ty + 24][k4];
            acc0 += vec4<f32>(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
            acc1 += vec4<f32>(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
            acc2 += vec4<f32>(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
            acc3 += vec4<f32>(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
`,
        'n0 + tx',
      )}`;
  }

  /** B[k, n] = W[k0 + k, n0 + n]: TILE_K packed rows, a TILE_N-column strip of each, in natural order. */
  private inputGradBody(): string {
    const vecCols = 4 * codesPerWord(this.mode);
    const perRow = TILE_N / vecCols;
    return `
      fn loadTileW(k0 : i32, n0 : i32, t : i32) {
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
            tileW[kk][q * ${codesPerWord(this.mode)} + i32(j)] = decodeVec(w4, j) * s;
          }
        }
      }

      fn writeRow(row : i32, col0 : i32, v : vec4<f32>) {
        if (row >= uniforms.dimM) {
          return;
        }
        if (col0 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0, v.x); }
        if (col0 + 1 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 1, v.y); }
        if (col0 + 2 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 2, v.z); }
        if (col0 + 3 < uniforms.dimN) { setOutputAtIndex(row * uniforms.dimN + col0 + 3, v.w); }
      }

      ${tiledMain(
        'row ty, columns 4·tx .. 4·tx + 3',
        `            let a0 = tileA[ty][k4];
            let a1 = tileA[ty + 8][k4];
            let a2 = tileA[ty + 16][k4];
            let a3 = tileA[ty + 24][k4];
            for (var c = 0; c < 4; c++) {
              let b = tileW[k4 * 4 + c][tx];
              acc0 += a0[c] * b;
              acc1 += a1[c] * b;
              acc2 += a2[c] * b;
              acc3 += a3[c] * b;
            }
`,
        'n0 + tx * 4',
      )}`;
  }
}

/**
 * The shared `main` of both directions: a 4 × 4 accumulator block per thread over the K tiles (tileA and tileW
 * loaded, then `step` once per k4), written out by `writeRow` at column `col`.
 */
function tiledMain(acc0Note: string, step: string, col: string): string {
  return `fn main() {
        initLut();
        let m0 = i32(workgroupId.y) * ${TILE_M};
        let n0 = i32(workgroupId.x) * ${TILE_N};
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        var acc0 = vec4<f32>(0.0); // ${acc0Note}
        var acc1 = vec4<f32>(0.0); // row ty + 8
        var acc2 = vec4<f32>(0.0); // row ty + 16
        var acc3 = vec4<f32>(0.0); // row ty + 24
        let numTiles = (uniforms.dimK + ${TILE_K - 1}) / ${TILE_K};
        for (var kt = 0; kt < numTiles; kt++) {
          loadTileA(m0, kt * ${TILE_K}, i32(localIndex));
          loadTileW(kt * ${TILE_K}, n0, i32(localIndex));
          workgroupBarrier();
          for (var k4 = 0; k4 < ${K4}; k4++) {
${step}          }
          workgroupBarrier();
        }
        writeRow(m0 + ty, ${col}, acc0);
        writeRow(m0 + ty + 8, ${col}, acc1);
        writeRow(m0 + ty + 16, ${col}, acc2);
        writeRow(m0 + ty + 24, ${col}, acc3);
      }`;
}
