/**
 * Few-row products with a packed weight on a software adapter (SwiftShader, llvmpipe: a CPU emulating the GPU),
 * forward y [M, out] = x [M, in] · Wᵀ (+ b) and input gradient dx [M, in] = dy [M, out] · W, for M ≤ 8.
 *
 * The GPU programs (`quant-gemv-webgpu.ts`, `quant-tiled-webgpu.ts`) share work across a workgroup through
 * workgroup memory and barriers, which is right for thousands of GPU lanes and ruinous on a CPU: a software
 * adapter runs each barrier as a switch between fibres. Measured on SwiftShader (2 cores), the f16 LM head of
 * SmolLM2-135M, [8, 576] · [49152, 576]ᵀ, took 22 s in the GEMV program. Here no invocation talks to another:
 *
 * - forward: an invocation owns FEATURES output features × R rows, walks each packed row one `vec4<u32>` at a
 *   time, decodes it into registers and dots it with x; the group scale is applied once per vec4 (a vec4 never
 *   straddles a group);
 * - input gradient: an invocation owns 4 input columns × R rows and walks the output features, adding
 *   dy[r, o] · W[o, cols] (one decoded vec4 of the word it shares with Q_CPW − 1 neighbours).
 *
 * The NF4 table still sits in workgroup memory behind one barrier at the start (`initLut`).
 */
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';
import { gemvRowsFor } from './quant-gemv-webgpu';
import { forwardInputs, QuantProgram } from './quant-program';
import { decodeSnippet, loadXSnippet, weightVariableNames } from './quant-wgsl';

/** Output features per forward invocation. */
const FEATURES = 4;
/** Invocations per workgroup. */
const WORKGROUP = 64;
/** Largest M these programs take (the row block lives in registers). */
export const QUANT_ROWS_MAX = 8;

/** The compiled row block for `m` rows: 1, 2, 4 or 8, as the GEMV program compiles them. */
function rowBlock(m: number): number {
  if (m > QUANT_ROWS_MAX) throw new Error(`quant rows program: ${m} rows exceeds ${QUANT_ROWS_MAX}`);
  return gemvRowsFor(m);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Forward. Uniforms as the GEMV program: dimM, dimIn, dimOut, rowVec4s, groupsPerRow, groupSize. */
export class QuantRowsProgram extends QuantProgram {
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = 'dimM : i32, dimIn : i32, dimOut : i32, rowVec4s : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly rows: number;
  private readonly xAligned: boolean;
  private readonly hasBias: boolean;

  constructor(mode: PackedMode, m: number, inFeatures: number, outFeatures: number, hasBias: boolean) {
    const rows = rowBlock(m);
    const { variableNames, variableComponents, xAligned } = forwardInputs(mode, inFeatures, hasBias);
    super(mode, {
      variableNames,
      variableComponents,
      outputShape: [m, outFeatures],
      dispatch: [Math.ceil(outFeatures / FEATURES / WORKGROUP), 1, 1],
      shaderKey: `lsQuantRows_${mode}_${rows}_${xAligned}_${hasBias}`,
    });
    this.rows = rows;
    this.xAligned = xAligned;
    this.hasBias = hasBias;
  }

  getUserCode(): string {
    const R = range(this.rows);
    const C = range(FEATURES);
    const perFeature = C.map(
      (c) => `{
          let f = min(o + ${c}, uniforms.dimOut - 1);
          let w4 = bitcast<vec4<u32>>(words[f * uniforms.rowVec4s + v]);
          ${R.map((r) => `var p${r} = 0.0;`).join(' ')}
          for (var j = 0u; j < Q_CPW; j++) {
            let wv = decodeVec(w4, j);
            let xc = col + i32(j) * 4;
            ${R.map((r) => `p${r} += dot(wv, loadX4(${r}, xc));`).join('\n')}
          }
          let sc = scaleAt(f, col);
          ${R.map((r) => `s${r}_${c} += p${r} * sc;`).join(' ')}
        }`,
    );
    const writes = R.flatMap((r) =>
      C.map(
        (c) =>
          `if (${r} < uniforms.dimM && o + ${c} < uniforms.dimOut) {` +
          ` setOutputAtIndex(${r} * uniforms.dimOut + o + ${c}, s${r}_${c}${this.hasBias ? ` + bias[o + ${c}]` : ''}); }`,
      ),
    );
    return `
      ${decodeSnippet(this.mode)}
      ${loadXSnippet(this.xAligned)}
      fn main() {
        initLut();
        let o = i32(globalId.x) * ${FEATURES}; // first output feature
        if (o >= uniforms.dimOut) { return; }
        ${R.flatMap((r) => C.map((c) => `var s${r}_${c} = 0.0;`)).join(' ')}
        for (var v = 0; v < uniforms.rowVec4s; v++) {
          let col = v * ${4 * codesPerWord(this.mode)};
          ${perFeature.join('\n')}
        }
        ${writes.join('\n')}
      }
    `;
  }
}

/** Input gradient. Uniforms: dimM, dimIn, dimOut, rowVec4s, groupsPerRow, groupSize. dy [M, out] is scalar. */
export class QuantRowsTProgram extends QuantProgram {
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = 'dimM : i32, dimIn : i32, dimOut : i32, rowVec4s : i32, groupsPerRow : i32, groupSize : i32,';
  private readonly rows: number;

  constructor(mode: PackedMode, m: number, inFeatures: number) {
    const rows = rowBlock(m);
    const variableNames = ['dy', ...weightVariableNames(mode)];
    super(mode, {
      variableNames,
      variableComponents: variableNames.map((name) => (name === 'words' ? 4 : 1)),
      outputShape: [m, inFeatures],
      dispatch: [Math.ceil(Math.ceil(inFeatures / 4) / WORKGROUP), 1, 1],
      shaderKey: `lsQuantRowsT_${mode}_${rows}`,
    });
    this.rows = rows;
  }

  getUserCode(): string {
    const R = range(this.rows);
    const writes = R.flatMap((r) =>
      range(4).map(
        (e) =>
          `if (${r} < uniforms.dimM && col + ${e} < uniforms.dimIn) {` +
          ` setOutputAtIndex(${r} * uniforms.dimIn + col + ${e}, a${r}[${e}]); }`,
      ),
    );
    return `
      ${decodeSnippet(this.mode)}
      fn main() {
        initLut();
        let q = i32(globalId.x); // columns 4q .. 4q + 3
        let col = q * 4;
        if (col >= uniforms.dimIn) { return; }
        let v = q / i32(Q_CPW); // the vec4<u32> of a packed row holding them
        let j = u32(q % i32(Q_CPW)); // and their place in it
        ${R.map((r) => `var a${r} = vec4<f32>(0.0);`).join(' ')}
        for (var o = 0; o < uniforms.dimOut; o++) {
          let wv = decodeVec(bitcast<vec4<u32>>(words[o * uniforms.rowVec4s + v]), j) * scaleAt(o, col);
          ${R.map((r) => `a${r} += dy[min(${r}, uniforms.dimM - 1) * uniforms.dimOut + o] * wv;`).join('\n')}
        }
        ${writes.join('\n')}
      }
    `;
  }
}
