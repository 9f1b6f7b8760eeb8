/**
 * Input gradient, M = 1: dx [1, in] = dy [1, out] · W, from the packed weight.
 *
 * Here the reduction runs down the columns of W. Each thread owns one packed u32 column (Q_CPW inputs) and
 * walks a quarter of the rows; the 64 threads along x read 64 consecutive words of a row (coalesced). The four
 * row slices are then summed through workgroup memory. Dequantization happens in registers only.
 */
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { QuantProgram } from './quant-program';
import { decodeSnippet, weightVariableNames } from './quant-wgsl';

const COLS = 64;
const SLICES = 4;

/** All inputs scalar (dy one value per row, words one u32 per thread). Output [1, in]; shader key: mode. */
export class QuantGemvTProgram extends QuantProgram {
  /** x: packed word column (one workgroup per COLS words of a row); y: row slice. */
  workgroupSize: [number, number, number] = [COLS, SLICES, 1];
  uniforms = 'dimIn : i32, dimOut : i32, rowWords : i32, groupsPerRow : i32, groupSize : i32,';

  constructor(mode: PackedMode, inFeatures: number, rowWords: number) {
    const variableNames = ['dy', ...weightVariableNames(mode)];
    super(mode, {
      variableNames,
      variableComponents: variableNames.map(() => 1),
      outputShape: [1, inFeatures],
      dispatch: [Math.ceil(rowWords / COLS), 1, 1],
      shaderKey: `lsQuantGemvT_${mode}`,
    });
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
