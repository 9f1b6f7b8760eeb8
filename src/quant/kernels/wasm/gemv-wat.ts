/**
 * The WebAssembly text of our packed-base GEMV kernels (decode, M = 1), generated for the four builds we ship:
 * linear memory shared or not (tfjs-backend-wasm's threaded build has a shared memory, the plain SIMD build does
 * not, and an imported memory must match the declaration), and relaxed SIMD or plain SIMD (`f32x4.relaxed_madd`,
 * fused where the CPU has FMA; plain `mul` + `add` where the browser lacks relaxed SIMD, e.g. Node 20).
 *
 * The kernels work in place on tfjs-wasm's memory: every argument is a byte offset into it. They follow the layout
 * of `packed.ts` (row-major u32 words, rows padded with zero codes to whole groups, one f32 scale per group) and
 * compute y[o] = Σ_g scale[o, g] · Σ_{c ∈ g} code[o, c] · x[c], the codes decoded to 16 signed 8-bit lanes,
 * widened to i16 then i32 and converted to f32 (exact: codes are small integers), multiplied by x in f32 and
 * summed in four independent accumulators per group (one dependency chain would wait on the adder's latency).
 *
 * `x` is not the activation row itself but a scratch copy `prepareX` lays out for the kernel:
 * - int8: x in column order, zero past `inFeatures`;
 * - int4: per 32-column block (16 bytes of codes), the 16 even columns then the 16 odd ones, because byte j holds
 *   column 2j in its low nibble and 2j + 1 in its high nibble, and the two nibble vectors are decoded separately;
 *   then one float per group, 2·Σ x over the group, which the kernel subtracts in each of 4 lanes (it multiplies
 *   x by the offset codes u = c + 8, and Σ c·x = Σ u·x − 8·Σ x).
 */
import { NF4_LEVELS } from '../../levels';
import { madd, memoryImport, type WasmBuild } from '../../../backend/kernels/wasm-kernel-module';
import { gemvFrame } from './gemv-frame-wat';
import { gemvQ16Func, prepareX16Func, Q16_MAX_ROWS } from './gemv-q16-wat';
import { prepareX8Func, q8Funcs } from './gemv-q8-wat';
import { q8LanesFuncs } from './gemv-q8-lanes-wat';
import { GROUP_SIZES } from '../../packed';

/** i32x4 lanes → f32x4 (exact for our code ranges). */
const toF32 = (v: string): string => `(f32x4.convert_i32x4_s ${v})`;

/**
 * The four f32x4 products-accumulations of one signed i8x16 vector `v` against 16 floats of x at `$xp + off`:
 * lanes 0–3, 4–7, 8–11, 12–15 into accumulators a0..a3.
 */
function accumulateI8x16(relaxed: boolean, v: string, off: number): string {
  const lo = `(i16x8.extend_low_i8x16_s ${v})`;
  const hi = `(i16x8.extend_high_i8x16_s ${v})`;
  const parts = [
    toF32(`(i32x4.extend_low_i16x8_s (local.get $lo16))`),
    toF32(`(i32x4.extend_high_i16x8_s (local.get $lo16))`),
    toF32(`(i32x4.extend_low_i16x8_s (local.get $hi16))`),
    toF32(`(i32x4.extend_high_i16x8_s (local.get $hi16))`),
  ];
  const x = (k: number): string => `(v128.load offset=${off + 16 * k} (local.get $xp))`;
  return [
    `(local.set $lo16 ${lo})`,
    `(local.set $hi16 ${hi})`,
    ...parts.map((p, k) => `(local.set $a${k} ${madd(relaxed, p, x(k), `(local.get $a${k})`)})`),
  ].join('\n          ');
}

/** Modes with a kernel. */
type KernelMode = 'int8' | 'int4' | 'nf4';

/** Byte `b` (little-endian) of every NF4 level as f32, as a 16-lane table for `i8x16.swizzle`. */
function nf4Plane(b: number): string {
  const bytes = new Uint8Array(Float32Array.from(NF4_LEVELS).buffer);
  return `(v128.const i8x16 ${Array.from({ length: 16 }, (_, k) => bytes[4 * k + b]).join(' ')})`;
}

/**
 * NF4: the 16 nibble indices of `idx` looked up as f32 levels, exactly. One swizzle per byte plane of the f32
 * table gives byte b of L[n] in every lane; two rounds of byte then 16-bit interleaves assemble lanes 0–3, 4–7,
 * 8–11 and 12–15 as f32x4, multiplied by x at `$xp + off` into a0..a3.
 */
function accumulateNf4(relaxed: boolean, idx: string, off: number): string {
  const seq = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const bytePairs = (half: number) =>
    seq(8 * half, 8 * half + 8)
      .flatMap((i) => [i, i + 16])
      .join(' ');
  const wordPairs = (half: number) =>
    seq(4 * half, 4 * half + 4)
      .flatMap((i) => [2 * i, 2 * i + 1, 2 * i + 16, 2 * i + 17])
      .join(' ');
  const x = (k: number): string => `(v128.load offset=${off + 16 * k} (local.get $xp))`;
  const out: string[] = [`(local.set $n ${idx})`];
  for (let b = 0; b < 4; b++) out.push(`(local.set $p${b} (i8x16.swizzle ${nf4Plane(b)} (local.get $n)))`);
  for (let half = 0; half < 2; half++) {
    out.push(`(local.set $q01 (i8x16.shuffle ${bytePairs(half)} (local.get $p0) (local.get $p1)))`);
    out.push(`(local.set $q23 (i8x16.shuffle ${bytePairs(half)} (local.get $p2) (local.get $p3)))`);
    for (let w = 0; w < 2; w++) {
      const k = 2 * half + w;
      const levels = `(i8x16.shuffle ${wordPairs(w)} (local.get $q01) (local.get $q23))`;
      out.push(`(local.set $a${k} ${madd(relaxed, levels, x(k), `(local.get $a${k})`)})`);
    }
  }
  return out.join('\n          ');
}

const NIBBLE_MASK = '(v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f)';

/** The body of one 16-byte step of a group: int8 (16 codes) or int4 (32 codes). */
function step(mode: KernelMode, relaxed: boolean): string {
  if (mode === 'nf4') {
    return [
      `(local.set $v (v128.load (local.get $wp)))`,
      accumulateNf4(relaxed, `(v128.and (local.get $v) ${NIBBLE_MASK})`, 0),
      accumulateNf4(relaxed, `(v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) ${NIBBLE_MASK})`, 64),
      `(local.set $xp (i32.add (local.get $xp) (i32.const 128)))`,
    ].join('\n          ');
  }
  if (mode === 'int8') {
    return [
      `(local.set $v (v128.load (local.get $wp)))`,
      accumulateI8x16(relaxed, '(local.get $v)', 0),
      `(local.set $xp (i32.add (local.get $xp) (i32.const 64)))`,
    ].join('\n          ');
  }
  return [
    `(local.set $v (v128.load (local.get $wp)))`,
    // Flipping bit 3 of every nibble turns the two's-complement code c into u = c + 8 (0..15); the group's
    // Σ u·x − 8·Σ x is applied at its end. Masks and a 16-bit shift then split the nibbles: x86 has no 8-bit
    // shifts, and the i8x16 shifts of the signed decode cost V8 several instructions each.
    `(local.set $v (v128.xor (local.get $v) (v128.const i32x4 0x88888888 0x88888888 0x88888888 0x88888888)))`,
    accumulateI8x16(relaxed, `(v128.and (local.get $v) ${NIBBLE_MASK})`, 0),
    accumulateI8x16(relaxed, `(v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) ${NIBBLE_MASK})`, 64),
    `(local.set $xp (i32.add (local.get $xp) (i32.const 128)))`,
  ].join('\n          ');
}

/**
 * gemv_<mode>(w, scales, x, y, out, rowBytes, groups, groupBytes, xs): for o in [0, out), with `xs` the int4
 * correction per group (2·Σ x over the group, see `prepareX`; unused by int8),
 * y[o] = Σ_g scales[o·groups + g] · (codes of row o, group g) · x.
 */
function gemvFunc(mode: KernelMode, relaxed: boolean): string {
  const sum = '(f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))';
  return gemvFrame({
    name: `gemv_${mode}`,
    rows: 1,
    locals: `(local $v v128) (local $lo16 v128) (local $hi16 v128) (local $n v128)
    (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $q01 v128) (local $q23 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)`,
    groupStart: [0, 1, 2, 3].map((k) => `(local.set $a${k} (v128.const i32x4 0 0 0 0))`).join('\n            '),
    step: step(mode, relaxed),
    fold: () =>
      madd(
        relaxed,
        // int4: minus 2·Σx in each of the 4 lanes, 8·Σx over the group
        mode === 'int4' ? `(f32x4.sub ${sum} (f32x4.splat (f32.load (local.get $cp))))` : sum,
        '(f32x4.splat (f32.load (local.get $sp)))',
        '(local.get $row0)',
      ),
  });
}

/** The integer-dot kernels for 1 to Q16_MAX_ROWS rows of x, both modes. */
function q16Funcs(relaxed: boolean): string {
  const rows = Array.from({ length: Q16_MAX_ROWS }, (_, i) => i + 1);
  return (['int8', 'int4'] as const)
    .flatMap((mode) => GROUP_SIZES.flatMap((g) => rows.map((r) => gemvQ16Func(mode, relaxed, r, g))))
    .join('');
}

/**
 * The whole module for one build: the exact f32 kernels, the 16-bit integer-dot ones (gemv-q16-wat.ts) and, in
 * relaxed builds, the int4 8-bit integer-dot ones (gemv-q8-wat.ts).
 */
export function gemvWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${gemvFunc('int8', build.relaxed)}${gemvFunc('int4', build.relaxed)}${gemvFunc('nf4', build.relaxed)}${q16Funcs(build.relaxed)}${build.relaxed ? q8Funcs() + q8LanesFuncs() : ''}${prepareX8Func()}${prepareX16Func('int8')}${prepareX16Func('int4')}
)
`;
}
