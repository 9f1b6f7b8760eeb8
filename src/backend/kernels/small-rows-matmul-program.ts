/**
 * WGSL for `x · W` and `x · Wᵀ` when x has few rows (a decode step, a short prompt, a short training sequence):
 * y [rows, n] from x [rows, k] and W stored [n, k] (`transposeB`, a checkpoint's Linear) or [k, n] (an input
 * gradient dy · W).
 *
 * tfjs's matMul programs tile the output 32 columns by 8–32 rows and stage both operands through workgroup memory
 * with a barrier per tile step. With 1–16 rows most of each tile is padding, and barriers are what a software
 * adapter pays most for. Here each invocation owns COLS adjacent output columns of up to ROWS rows, keeps the
 * ROWS × COLS sums in registers, and walks k reading each weight element once per invocation (vec4 loads); no
 * workgroup memory, no barrier. Measured on SwiftShader (Dawn, 2 cores), [8, 896] · [4864, 896]ᵀ: tfjs 350–470 ms,
 * this 30–50 ms; [16, 896] · [4864, 896]ᵀ: 3.4 s against 0.2 s.
 *
 * A GPU needs far more invocations than n / COLS to hide memory latency, so k can be split into `splits` slices:
 * each writes a partial product [splits, rows, n], and {@link SplitSumProgram} adds them. A software adapter runs
 * one slice (its few threads are busy with n / COLS invocations already; measured there, splitting is 10–20× slower).
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** Output columns per invocation. */
export const SMALL_ROWS_COLS = 8;
/** Largest row block one invocation keeps in registers (ROWS × COLS accumulators); more rows use more blocks. */
export const SMALL_ROWS_BLOCK = 8;
/** Invocations per workgroup (x only). */
const WORKGROUP = 32;

/** The compiled row-block size for `rows`: 1, 2, 4 or 8 (fewer pipelines than one per row count). */
export function rowBlockFor(rows: number): number {
  return rows <= 1 ? 1 : rows <= 2 ? 2 : rows <= 4 ? 4 : SMALL_ROWS_BLOCK;
}

/** The partial (or, with one split, whole) product of {@link SmallRowsMatMulProgram}'s inputs. */
export interface SmallRowsShape {
  rows: number;
  k: number;
  n: number;
  /** W stored [n, k] (true) or [k, n] (false). */
  transposeB: boolean;
  /** Slices of k, each written to its own [rows, n] plane of the output. */
  splits: number;
  /** The output shape when `splits` is 1 (the caller's shape, e.g. [batch, m, n] with batch·m = rows). */
  outputShape: number[];
}

/**
 * Uniforms, in declaration order: dimM (rows), dimK, dimN, kSlice (k values per split; a multiple of 4 with
 * `transposeB`). Inputs: x [rows, k] (vec4 with `transposeB`, else scalar) and W (vec4).
 */
export class SmallRowsMatMulProgram implements WebGPUProgram {
  variableNames = ['x', 'w'];
  variableComponents: number[];
  outputShape: number[];
  shaderKey: string;
  /** Not flat, so tfjs calls main() without an index (only used by tfjs's unused getOutputCoords helper). */
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  uniforms = 'dimM : i32, dimK : i32, dimN : i32, kSlice : i32,';
  private readonly block: number;
  private readonly transposeB: boolean;

  constructor(shape: SmallRowsShape) {
    this.block = rowBlockFor(shape.rows);
    this.transposeB = shape.transposeB;
    this.variableComponents = shape.transposeB ? [4, 4] : [1, 4];
    this.outputShape = shape.splits === 1 ? shape.outputShape : [shape.splits, shape.rows, shape.n];
    this.dispatch = [
      Math.ceil(shape.n / SMALL_ROWS_COLS / WORKGROUP),
      Math.ceil(shape.rows / this.block),
      shape.splits,
    ];
    this.shaderKey = `lsSmallRowsMatMul_${this.block}_${shape.transposeB}`;
  }

  getUserCode(): string {
    const R = this.block;
    const C = SMALL_ROWS_COLS;
    const sums = Array.from({ length: R * C }, (_, i) => `var s${i} = 0.0;`).join('\n');
    const step = this.transposeB ? this.stepTransposed(R, C) : this.stepStraight(R, C);
    const writes: string[] = [];
    for (let r = 0; r < R; r++) {
      for (let c = 0; c < C; c++) {
        writes.push(
          `if (r0 + ${r} < uniforms.dimM && o + ${c} < uniforms.dimN) {` +
            ` setOutputAtIndex((split * uniforms.dimM + r0 + ${r}) * uniforms.dimN + o + ${c}, s${r * C + c}); }`,
        );
      }
    }
    // With transposeB the loop runs over vec4s of k; otherwise over single k values.
    const kUnits = this.transposeB ? 'uniforms.dimK / 4' : 'uniforms.dimK';
    const sliceUnits = this.transposeB ? 'uniforms.kSlice / 4' : 'uniforms.kSlice';
    return `
      fn main() {
        let o = i32(globalId.x) * ${C}; // first output column
        let r0 = i32(globalId.y) * ${R}; // first row
        let split = i32(globalId.z);
        if (o >= uniforms.dimN) { return; }
        ${sums}
        let kFrom = split * ${sliceUnits};
        let kTo = min(kFrom + ${sliceUnits}, ${kUnits});
        for (var kv = kFrom; kv < kTo; kv++) {
          ${step}
        }
        ${writes.join('\n')}
      }
    `;
  }

  /** W [n, k]: one vec4 of each of the C weight rows, dotted with one vec4 of each x row. */
  private stepTransposed(R: number, C: number): string {
    const lines: string[] = [];
    // Rows past n or rows past dimM read a valid neighbour; their sums are never written.
    for (let c = 0; c < C; c++)
      lines.push(`let w${c} = w[min(o + ${c}, uniforms.dimN - 1) * (uniforms.dimK / 4) + kv];`);
    for (let r = 0; r < R; r++) {
      lines.push(`{ let xv = x[min(r0 + ${r}, uniforms.dimM - 1) * (uniforms.dimK / 4) + kv];`);
      for (let c = 0; c < C; c++) lines.push(`s${r * C + c} += dot(xv, w${c});`);
      lines.push('}');
    }
    return lines.join('\n');
  }

  /** W [k, n]: C / 4 vec4s of weight row kv, scaled by x[r, kv] for each row. */
  private stepStraight(R: number, C: number): string {
    const lines: string[] = [];
    const lastVec = '(uniforms.dimK * uniforms.dimN) / 4 - 1';
    for (let v = 0; v < C / 4; v++) lines.push(`let w${v} = w[min((kv * uniforms.dimN + o) / 4 + ${v}, ${lastVec})];`);
    for (let r = 0; r < R; r++) {
      lines.push(`{ let xs = x[min(r0 + ${r}, uniforms.dimM - 1) * uniforms.dimK + kv];`);
      for (let c = 0; c < C; c++) lines.push(`s${r * C + c} += xs * w${c >> 2}[${c & 3}];`);
      lines.push('}');
    }
    return lines.join('\n');
  }
}

/** out[i] = Σ_s partials[s, i]: the k slices of {@link SmallRowsMatMulProgram} added up. Uniforms: size, splits. */
export class SplitSumProgram implements WebGPUProgram {
  variableNames = ['partials'];
  outputShape: number[];
  shaderKey = 'lsSplitSum';
  /** Flat: tfjs passes main() the global index. */
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  uniforms = 'size : i32, splits : i32,';

  constructor(outputShape: number[], size: number) {
    this.outputShape = outputShape;
    this.dispatch = [Math.ceil(size / 256), 1, 1];
  }

  getUserCode(): string {
    return `
      fn main(i : i32) {
        if (i >= uniforms.size) { return; }
        var sum = 0.0;
        for (var s = 0; s < uniforms.splits; s++) { sum += partials[s * uniforms.size + i]; }
        setOutputAtIndex(i, sum);
      }
    `;
  }
}
