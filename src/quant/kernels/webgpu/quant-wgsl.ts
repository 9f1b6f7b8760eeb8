/**
 * WGSL shared by the quant programs: how one mode turns packed words into floats. Every program splices in
 * `decodeSnippet(mode)` and gets
 *
 *   const Q_CPW: u32                       codes per u32 word (2 f16, 4 int8, 8 int4/nf4)
 *   fn decodeVec(w4: vec4<u32>, j: u32)    elements [4j, 4j+4) of the 4·Q_CPW codes in w4 (j < Q_CPW), unscaled
 *   fn codeAt(w: u32, k: u32) -> f32       code k of one word, unscaled
 *   fn scaleAt(row: i32, col: i32) -> f32  the group scale of W[row, col] (1.0 for f16; needs uniforms
 *                                          groupsPerRow and groupSize)
 *   fn initLut()                           fills the NF4 table in workgroup memory (no-op for other modes);
 *                                          contains a barrier: call first, in uniform control flow
 *
 * Signed codes are sign-extended with shifts on i32 (arithmetic `>>`); f16 uses `unpack2x16float`, core WGSL,
 * so no `shader-f16` feature is needed. NF4 levels sit in workgroup memory rather than a per-thread array so
 * that the dynamic table lookup does not spill to local memory.
 */
import { NF4_LEVELS } from '../../levels';
import type { PackedMode } from '../../packed';
import { codesPerWord } from '../../packed';

function f32Literal(v: number): string {
  const s = String(Math.fround(v));
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

function decodeBody(mode: PackedMode): string {
  switch (mode) {
    case 'int8':
      return `
  fn decodeVec(w4 : vec4<u32>, j : u32) -> vec4<f32> {
    let word = vec4<i32>(bitcast<i32>(w4[j]));
    return vec4<f32>((word << vec4<u32>(24u, 16u, 8u, 0u)) >> vec4<u32>(24u));
  }
  fn codeAt(w : u32, k : u32) -> f32 { return f32(extractBits(bitcast<i32>(w), 8u * k, 8u)); }`;
    case 'int4':
      return `
  fn decodeVec(w4 : vec4<u32>, j : u32) -> vec4<f32> {
    let word = vec4<i32>(bitcast<i32>(w4[j >> 1u]));
    let base = vec4<u32>((j & 1u) * 16u);
    return vec4<f32>((word << (vec4<u32>(28u, 24u, 20u, 16u) - base)) >> vec4<u32>(28u));
  }
  fn codeAt(w : u32, k : u32) -> f32 { return f32(extractBits(bitcast<i32>(w), 4u * k, 4u)); }`;
    case 'nf4':
      return `
  fn decodeVec(w4 : vec4<u32>, j : u32) -> vec4<f32> {
    let word = vec4<u32>(w4[j >> 1u]);
    let idx = (word >> (vec4<u32>(0u, 4u, 8u, 12u) + vec4<u32>((j & 1u) * 16u))) & vec4<u32>(15u);
    return vec4<f32>(nf4Lut[idx.x], nf4Lut[idx.y], nf4Lut[idx.z], nf4Lut[idx.w]);
  }
  fn codeAt(w : u32, k : u32) -> f32 { return nf4Lut[extractBits(w, 4u * k, 4u)]; }`;
    case 'f16':
      return `
  fn decodeVec(w4 : vec4<u32>, j : u32) -> vec4<f32> {
    return vec4<f32>(unpack2x16float(w4[2u * j]), unpack2x16float(w4[2u * j + 1u]));
  }
  fn codeAt(w : u32, k : u32) -> f32 { return unpack2x16float(w)[k]; }`;
  }
}

function lutSnippet(mode: PackedMode): string {
  if (mode !== 'nf4') return 'fn initLut() {}';
  return `
  var<workgroup> nf4Lut : array<f32, 16>;
  fn initLut() {
    if (localIndex == 0u) {
      nf4Lut = array<f32, 16>(${NF4_LEVELS.map(f32Literal).join(', ')});
    }
    workgroupBarrier();
  }`;
}

/**
 * Decode helpers for `mode`. The group size is a uniform (`uniforms.groupSize`), not a constant: the division
 * runs once per 8–32 codes, and one pipeline then serves every group size.
 */
export function decodeSnippet(mode: PackedMode): string {
  const scale =
    mode === 'f16'
      ? 'fn scaleAt(row : i32, col : i32) -> f32 { return 1.0; }'
      : 'fn scaleAt(row : i32, col : i32) -> f32 { return scales[row * uniforms.groupsPerRow + col / uniforms.groupSize]; }';
  return `
  const Q_CPW : u32 = ${codesPerWord(mode)}u;
  ${lutSnippet(mode)}
  ${decodeBody(mode)}
  ${scale}`;
}

/** Variable names of the weight inputs, in binding order. */
export function weightVariableNames(mode: PackedMode): string[] {
  return mode === 'f16' ? ['words'] : ['words', 'scales'];
}

/**
 * `fn loadX4(r, col) -> vec4<f32>`: x[r, col .. col + 3] of the activation `x` [dimM, dimIn], zero past either
 * bound (packed rows are padded past dimIn). Read as vec4s when dimIn is a multiple of 4 (`aligned`).
 */
export function loadXSnippet(aligned: boolean): string {
  return aligned
    ? `fn loadX4(r : i32, col : i32) -> vec4<f32> {
          if (r < uniforms.dimM && col < uniforms.dimIn) { return x[(r * uniforms.dimIn + col) / 4]; }
          return vec4<f32>(0.0);
        }`
    : `fn loadX1(r : i32, col : i32) -> f32 {
          if (r < uniforms.dimM && col < uniforms.dimIn) { return x[r * uniforms.dimIn + col]; }
          return 0.0;
        }
        fn loadX4(r : i32, col : i32) -> vec4<f32> {
          return vec4<f32>(loadX1(r, col), loadX1(r, col + 1), loadX1(r, col + 2), loadX1(r, col + 3));
        }`;
}
