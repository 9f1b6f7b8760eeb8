/**
 * Decode-time forward, M = 1: y [1, out] = x [1, in] · Wᵀ (+ b) straight from the packed weight (GEMV).
 *
 * One workgroup computes ROWS_PER_WG output features; the 32 lanes of each row walk the packed row in
 * `vec4<u32>` steps (16 bytes: 32 int4/nf4, 16 int8 or 8 f16 codes), so the 32 lanes of a row read 512
 * contiguous bytes per step (coalesced). Each lane multiplies the decoded codes by x, applies the group scale
 * once per vec4 (a vec4 never straddles a group), then the lanes are summed with a tree in workgroup memory.
 * The weight is only ever decoded into registers.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { decodeSnippet, weightVariableNames } from './quant-wgsl';

const LANES = 32;
const ROWS_PER_WG = 8;

export class QuantGemvProgram implements WebGPUProgram {
  /** Inputs in binding order: x, packed words, scales (not for f16), bias (when present). */
  variableNames: string[];
  /** x is read as vec4<f32> when `in` is a multiple of 4; words always as vec4<i32>. */
  variableComponents: number[];
  /** [1, out]. */
  outputShape: number[];
  /** Everything baked into the WGSL: mode, group size, x alignment, bias. */
  shaderKey: string;
  /** Output dim 1 on x, dim 0 on y (only used by tfjs's unused getOutputCoords helper). */
  dispatchLayout = { x: [1], y: [0] };
  /** One workgroup per ROWS_PER_WG output features. */
  dispatch: [number, number, number];
  /** x: lanes along `in`; y: output rows of the workgroup. */
  workgroupSize: [number, number, number] = [LANES, ROWS_PER_WG, 1];
  /** Runtime sizes, so one compiled pipeline serves every layer of the same mode. */
  uniforms = 'dimIn : i32, dimOut : i32, rowVec4s : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly mode: PackedMode;
  private readonly xAligned: boolean;
  private readonly hasBias: boolean;

  constructor(mode: PackedMode, inFeatures: number, outFeatures: number, hasBias: boolean) {
    this.mode = mode;
    this.xAligned = inFeatures % 4 === 0;
    this.hasBias = hasBias;
    this.variableNames = ['x', ...weightVariableNames(mode), ...(hasBias ? ['bias'] : [])];
    this.variableComponents = [this.xAligned ? 4 : 1, 4, ...this.variableNames.slice(2).map(() => 1)];
    this.outputShape = [1, outFeatures];
    this.dispatch = [Math.ceil(outFeatures / ROWS_PER_WG), 1, 1];
    this.shaderKey = `lsQuantGemv_${mode}_${this.xAligned}_${hasBias}`;
  }

  getUserCode(): string {
    const vecCols = 4 * codesPerWord(this.mode);
    const loadX4 = this.xAligned
      ? `fn loadX4(col : i32) -> vec4<f32> {
          if (col < uniforms.dimIn) { return x[col / 4]; }
          return vec4<f32>(0.0);
        }`
      : `fn loadX1(col : i32) -> f32 {
          if (col < uniforms.dimIn) { return x[col]; }
          return 0.0;
        }
        fn loadX4(col : i32) -> vec4<f32> {
          return vec4<f32>(loadX1(col), loadX1(col + 1), loadX1(col + 2), loadX1(col + 3));
        }`;
    return `
      ${decodeSnippet(this.mode)}
      ${loadX4}
      var<workgroup> partial : array<f32, ${LANES * ROWS_PER_WG}>;

      fn main() {
        initLut();
        let row = i32(workgroupId.x) * ${ROWS_PER_WG} + i32(localId.y);
        var total = 0.0;
        if (row < uniforms.dimOut) {
          for (var v = i32(localId.x); v < uniforms.rowVec4s; v += ${LANES}) {
            let w4 = bitcast<vec4<u32>>(words[row * uniforms.rowVec4s + v]);
            let col = v * ${vecCols};
            var acc = 0.0;
            for (var j = 0u; j < Q_CPW; j++) {
              acc += dot(decodeVec(w4, j), loadX4(col + i32(j) * 4));
            }
            total += acc * scaleAt(row, col);
          }
        }
        partial[localIndex] = total;
        workgroupBarrier();
        for (var s = ${LANES / 2}u; s > 0u; s >>= 1u) {
          if (localId.x < s) {
            partial[localIndex] += partial[localIndex + s];
          }
          workgroupBarrier();
        }
        if (localId.x == 0u && row < uniforms.dimOut) {
          setOutputAtIndex(row, partial[localIndex]${this.hasBias ? ' + bias[row]' : ''});
        }
      }
    `;
  }
}
