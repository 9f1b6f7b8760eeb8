/**
 * The integer-dot GEMV kernels (decode, one row of x) for int8 and int4 bases: x is quantized to 16-bit integers
 * per weight group (`prepareXq16` in gemv-wasm.ts), the codes are sign-extended to 16-bit lanes, and
 * `i32x4.dot_i16x8_s` does eight multiply-adds per instruction into exact 32-bit sums:
 *
 *   y[o] = Σ_g scale[o, g] · xscale[g] · Σ_{c ∈ g} code[o, c] · xq[c]
 *
 * Why 16 bits and not llama.cpp's 8: with |code| ≤ 127 (int8) and groups ≤ 128 columns, |xq| ≤ 32767 keeps every
 * group's sum below 2³¹ (128 · 127 · 32767 ≈ 5.3·10⁸), so the only rounding is x's own, one part in 65534 of the
 * group's largest |x|, measured ≤ 2.2·10⁻⁵ of the largest |y| (llama.cpp's Q8 activations round at 1 in 254). Against the exact
 * f32 kernels (gemv-wat.ts) this halves the SIMD work per weight: no i32 widening, no f32 convert per code, no f32
 * multiply-add per code.
 *
 * Code extraction works on 16-bit lanes, where x86 has shifts (it has none on 8-bit lanes):
 * - int8: lane i holds byte 2i (low) and 2i + 1 (high); `shl 8` then `shr_s 8` gives code 2i, `shr_s 8` code 2i + 1;
 * - int4: lane i holds the nibbles of columns 4i..4i + 3 (byte 2i: 4i low, 4i + 1 high; byte 2i + 1: 4i + 2, 4i + 3);
 *   `shl 12 − 4k` then `shr_s 12` gives column 4i + k, sign-extended (the codes are 4-bit two's complement).
 * `prepareXq16` lays xq out plane by plane to match: per 16-byte word block, int8 as [even cols | odd cols], int4
 * as [cols 4i | 4i + 1 | 4i + 2 | 4i + 3], eight i16 each.
 */
import { madd } from '../../../backend/kernels/wasm-kernel-module';
import { gemvFrame } from './gemv-frame-wat';

export type Q16Mode = 'int8' | 'int4';

/** The dot of 16-bit code lanes `codes` with eight xq at `$xp + off`, added to the group's i32 accumulator. */
function dotInto(codes: string, off: number): string {
  return `(local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s ${codes} (v128.load offset=${off} (local.get $xp)))))`;
}

const shl = (by: number) => `(i16x8.shl (local.get $v) (i32.const ${by}))`;
const sar = (v: string, by: number) => `(i16x8.shr_s ${v} (i32.const ${by}))`;

/** The body of one 16-byte step of a group: int8 (16 codes, 32 bytes of xq) or int4 (32 codes, 64 bytes). */
function step(mode: Q16Mode): string {
  const planes =
    mode === 'int8'
      ? [sar(shl(8), 8), sar('(local.get $v)', 8)]
      : [sar(shl(12), 12), sar(shl(8), 12), sar(shl(4), 12), sar('(local.get $v)', 12)];
  return [
    `(local.set $v (v128.load (local.get $wp)))`,
    ...planes.map((p, k) => dotInto(p, 16 * k)),
    `(local.set $xp (i32.add (local.get $xp) (i32.const ${16 * planes.length})))`,
  ].join('\n          ');
}

/**
 * gemv_<mode>_q16(w, scales, xq, y, out, rowBytes, groups, groupBytes, xscales): for o in [0, out),
 * y[o] = Σ_g scales[o·groups + g] · xscales[g] · (codes of row o, group g) · xq.
 */
export function gemvQ16Func(mode: Q16Mode, relaxed: boolean): string {
  return gemvFrame({
    name: `gemv_${mode}_q16`,
    locals: '(local $v v128) (local $acc v128)',
    groupStart: '(local.set $acc (v128.const i32x4 0 0 0 0))',
    step: step(mode),
    // $cp: the group's x scale
    fold: madd(
      relaxed,
      '(f32x4.convert_i32x4_s (local.get $acc))',
      '(f32x4.splat (f32.mul (f32.load (local.get $sp)) (f32.load (local.get $cp))))',
      '(local.get $row)',
    ),
  });
}
