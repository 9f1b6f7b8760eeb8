/**
 * Input gradient, M = 1: dx [1, in] = dy [1, out] · W, from the packed weight.
 *
 * Here the reduction runs down the columns of W. Each thread owns one packed u32 column (Q_CPW inputs) and
 * walks a quarter of the rows; the 64 threads along x read 64 consecutive words of a row (coalesced). The four
 * row slices are then summed through workgroup memory. Dequantization happens in registers only.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { decodeSnippet, weightVariableNames } from './quant-wgsl';

const COLS = 64;
const SLICES = 4;

export class QuantGemvTProgram implements WebGPUProgram {
  /** Inputs in binding order: dy, packed words, scales (not for f16). */
  variableNames: string[];
  /** All scalar: dy is read one value per row, words one u32 per thread. */
  variableComponents: number[];
  /** [1, in]. */
  outputShape: number[];
  /** Mode and group size. */
  shaderKey: string;
  /** Output dim 1 on x, dim 0 on y. */
  dispatchLayout = { x: [1], y: [0] };
  /** One workgroup per COLS packed words of a row. */
  dispatch: [number, number, number];
  /** x: packed word column; y: row slice. */
  workgroupSize: [number, number, number] = [COLS, SLICES, 1];
  /** Runtime sizes. */
  uniforms = 'dimIn : i32, dimOut : i32, rowWords : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly mode: PackedMode;

  constructor(mode: PackedMode, inFeatures: number, rowWords: number) {
    this.mode = mode;
    this.variableNames = ['dy', ...weightVariableNames(mode)];
    this.variableComponents = this.variableNames.map(() => 1);
    this.outputShape = [1, inFeatures];
    this.dispatch = [Math.ceil(rowWords / COLS), 1, 1];
    this.shaderKey = `lsQuantGemvT_${mode}`;
  }

  getUserCode(): string {
    const cpw = codesPerWord(this.mode);
    return `
      ${decodeSnippet(this.mode)}
      var<workgroup> partial : array<f32, ${COLS * SLICES * cpw}>;

      fn main() {
        initLut();
        let wordCol = i32(workgroupId.x) * ${COLS} + i32(localId.x);
        let slice = i32(localId.y);
        var acc = array<f32, ${cpw}>();
        if (wordCol < uniforms.rowWords) {
          let col = wordCol * ${cpw};
          for (var o = slice; o < uniforms.dimOut; o += ${SLICES}) {
            let w = bitcast<u32>(words[o * uniforms.rowWords + wordCol]);
            let g = dy[o] * scaleAt(o, col);
            for (var k = 0u; k < Q_CPW; k++) {
              acc[k] += g * codeAt(w, k);
            }
          }
        }
        let slot = i32(localIndex) * ${cpw};
        for (var k = 0; k < ${cpw}; k++) {
          partial[slot + k] = acc[k];
        }
        workgroupBarrier();
        if (slice == 0 && wordCol < uniforms.rowWords) {
          for (var k = 0; k < ${cpw}; k++) {
            let c = wordCol * ${cpw} + k;
            if (c < uniforms.dimIn) {
              var sum = 0.0;
              for (var s = 0; s < ${SLICES}; s++) {
                sum += partial[(s * ${COLS} + i32(localId.x)) * ${cpw} + k];
              }
              setOutputAtIndex(c, sum);
            }
          }
        }
      }
    `;
  }
}
