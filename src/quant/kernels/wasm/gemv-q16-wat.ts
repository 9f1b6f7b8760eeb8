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
import type { GroupSize } from '../../packed';
import { gemvFrame, xAt, xsAt } from './gemv-frame-wat';

export type Q16Mode = 'int8' | 'int4';

const shl = (by: number) => `(i16x8.shl (local.get $v) (i32.const ${by}))`;
const sar = (v: string, by: number) => `(i16x8.shr_s ${v} (i32.const ${by}))`;

/**
 * The body of one 16-byte step of a group: int8 (16 codes, 32 bytes of xq per row) or int4 (32 codes, 64 bytes).
 * Each plane of codes is extracted once and dotted with every row of x into that row's i32 accumulator.
 */
function step(mode: Q16Mode, rows: number): string {
  const planes =
    mode === 'int8'
      ? [sar(shl(8), 8), sar('(local.get $v)', 8)]
      : [sar(shl(12), 12), sar(shl(8), 12), sar(shl(4), 12), sar('(local.get $v)', 12)];
  const dot = (r: number, k: number) =>
    `(local.set $acc${r} (i32x4.add (local.get $acc${r}) (i32x4.dot_i16x8_s (local.get $p) (v128.load offset=${16 * k} ${xAt(r)}))))`;
  return [
    `(local.set $v (v128.load (local.get $wp)))`,
    ...planes.flatMap((p, k) => [`(local.set $p ${p})`, ...Array.from({ length: rows }, (_, r) => dot(r, k))]),
    `(local.set $xp (i32.add (local.get $xp) (i32.const ${16 * planes.length})))`,
  ].join('\n          ');
}

/** Rows of x one q16 kernel call takes: 1 to Q16_MAX_ROWS (the exports gemv_<mode>_q16_r<R>). */
export const Q16_MAX_ROWS = 4;

/**
 * gemv_<mode>_q16_r<R>(w, scales, xq, y, out, rowBytes, groups, groupBytes, xscales, xStride, xsStride, yStride):
 * for o in [0, out) and each of the R rows r of x,
 * y[r, o] = Σ_g scales[o·groups + g] · xscales[r, g] · (codes of W row o, group g) · xq[r].
 */
export function gemvQ16Func(mode: Q16Mode, relaxed: boolean, rows: number, groupSize: GroupSize): string {
  const each = (f: (r: number) => string) => Array.from({ length: rows }, (_, r) => f(r)).join(' ');
  return gemvFrame({
    name: `gemv_${mode}_q16_g${groupSize}_r${rows}`,
    stepsPerGroup: groupSize / (mode === 'int8' ? 16 : 32),
    rows,
    locals: `(local $v v128) (local $p v128) ${each((r) => `(local $acc${r} v128)`)}`,
    groupStart: each((r) => `(local.set $acc${r} (v128.const i32x4 0 0 0 0))`),
    step: step(mode, rows),
    fold: (r) =>
      madd(
        relaxed,
        `(f32x4.convert_i32x4_s (local.get $acc${r}))`,
        `(f32x4.splat (f32.mul (f32.load (local.get $sp)) (f32.load ${xsAt(r)})))`,
        `(local.get $row${r})`,
      ),
  });
}
