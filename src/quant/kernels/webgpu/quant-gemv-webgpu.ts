/**
 * Decode-time forward, small M (1 ≤ M ≤ 8): y [M, out] = x [M, in] · Wᵀ (+ b) straight from the packed weight
 * (GEMV; M > 1 covers short prompts, where the 32×64 tiled program would launch only out/64 workgroups).
 *
 * One workgroup computes ROWS_PER_WG output features; the 32 lanes of each row walk the packed row in
 * `vec4<u32>` steps (16 bytes: 32 int4/nf4, 16 int8 or 8 f16 codes), so the 32 lanes of a row read 512
 * contiguous bytes per step (coalesced). Each lane multiplies the decoded codes by x, applies the group scale
 * once per vec4 (a vec4 never straddles a group), then the lanes are summed with a tree in workgroup memory.
 * The x rows are a compile-time count R (1, 2, 4 or 8 ≥ M): each decoded vec4 is reused for all R rows.
 * The weight is only ever decoded into registers.
 */
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { forwardInputs, QuantProgram } from './quant-program';
import { decodeSnippet, loadXSnippet } from './quant-wgsl';

const LANES = 32;
const ROWS_PER_WG = 8;
/** Largest M served by the GEMV program; larger M goes to the tiled program. */
export const GEMV_MAX_ROWS = 8;

/** The compiled row count for `m` rows: 1, 2, 4 or 8. */
export function gemvRowsFor(m: number): number {
  return m <= 1 ? 1 : m <= 2 ? 2 : m <= 4 ? 4 : 8;
}

/** x is read as vec4<f32> when `in` is a multiple of 4; words always as vec4<i32>. Output [M, out]. */
export class QuantGemvProgram extends QuantProgram {
  /** x: lanes along `in`; y: output features of the workgroup (one workgroup per ROWS_PER_WG of them). */
  workgroupSize: [number, number, number] = [LANES, ROWS_PER_WG, 1];
  uniforms = 'dimM : i32, dimIn : i32, dimOut : i32, rowVec4s : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly rows: number;
  private readonly xAligned: boolean;
  private readonly hasBias: boolean;

  constructor(mode: PackedMode, m: number, inFeatures: number, outFeatures: number, hasBias: boolean) {
    if (m > GEMV_MAX_ROWS) throw new Error(`QuantGemvProgram: ${m} rows exceeds ${GEMV_MAX_ROWS}`);
    const rows = gemvRowsFor(m);
    const { variableNames, variableComponents, xAligned } = forwardInputs(mode, inFeatures, hasBias);
    super(mode, {
      variableNames,
      variableComponents,
      outputShape: [m, outFeatures],
      dispatch: [Math.ceil(outFeatures / ROWS_PER_WG), 1, 1],
      shaderKey: `lsQuantGemv_${mode}_${rows}_${xAligned}_${hasBias}`,
    });
    this.rows = rows;
    this.xAligned = xAligned;
    this.hasBias = hasBias;
  }

  getUserCode(): string {
    const vecCols = 4 * codesPerWord(this.mode);
    const wg = LANES * ROWS_PER_WG;
    const loadX4 = loadXSnippet(this.xAligned);
    return `
      ${decodeSnippet(this.mode)}
      ${loadX4}
      const R = ${this.rows};
      var<workgroup> partial : array<f32, ${wg * this.rows}>; // [r][feature in workgroup][lane]

      fn main() {
        initLut();
        let o = i32(workgroupId.x) * ${ROWS_PER_WG} + i32(localId.y); // output feature
        var total = array<f32, R>();
        if (o < uniforms.dimOut) {
          for (var v = i32(localId.x); v < uniforms.rowVec4s; v += ${LANES}) {
            let w4 = bitcast<vec4<u32>>(words[o * uniforms.rowVec4s + v]);
            let col = v * ${vecCols};
            var acc = array<f32, R>(); // explicit zero: without an initializer, SwiftShader did not re-zero it on each loop iteration
            for (var j = 0u; j < Q_CPW; j++) {
              let wv = decodeVec(w4, j);
              for (var r = 0; r < R; r++) {
                acc[r] += dot(wv, loadX4(r, col + i32(j) * 4));
              }
            }
            let s = scaleAt(o, col);
            for (var r = 0; r < R; r++) {
              total[r] += acc[r] * s;
            }
          }
        }
        for (var r = 0; r < R; r++) {
          partial[r * ${wg} + i32(localIndex)] = total[r];
        }
        workgroupBarrier();
        for (var s = ${LANES / 2}u; s > 0u; s >>= 1u) {
          if (localId.x < s) {
            for (var r = 0; r < R; r++) {
              let i = r * ${wg} + i32(localIndex);
              partial[i] += partial[i + i32(s)];
            }
          }
          workgroupBarrier();
        }
        if (localId.x == 0u && o < uniforms.dimOut) {
          for (var r = 0; r < R; r++) {
            if (r < uniforms.dimM) {
              setOutputAtIndex(r * uniforms.dimOut + o, partial[r * ${wg} + i32(localIndex)]${this.hasBias ? ' + bias[o]' : ''});
            }
          }
        }
      }
    `;
  }
}
