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
import { gemvFrame, groupScaleWat, xAt, xsAt } from './gemv-frame-wat';

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

/**
 * prepare_x16_<mode>(x, xq, xscales, groups, groupSize): `prepareXq16` (gemv-wasm.ts) for whole groups, four lanes
 * at a time: per group the largest |x| (NaN-propagating), xscale = max / 32767, xq = nearest(x · 32767 / max)
 * (ties to even), laid out plane by plane per word block as the kernels read it (int8: 16 columns as [even | odd];
 * int4: 32 columns as [4i | 4i + 1 | 4i + 2 | 4i + 3]). Byte offsets; whole groups only (the caller checks).
 */
export function prepareX16Func(mode: Q16Mode): string {
  const cols = mode === 'int8' ? 16 : 32;
  const vecs = cols / 4; // f32x4 loads per block
  const q = (k: number) =>
    `(i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=${16 * k} (local.get $xp)) (local.get $toQ))))`;
  // i16 vectors of 8 consecutive columns each: h0 = cols 0..7, h1 = 8..15, …
  const halves = Array.from(
    { length: vecs / 2 },
    (_, h) => `(local.set $h${h} (i16x8.narrow_i32x4_s ${q(2 * h)} ${q(2 * h + 1)}))`,
  ).join('\n          ');
  /** i8x16.shuffle lane bytes picking i16 lanes `lanes` (0..15 across two operands). */
  const pick = (lanes: number[]) => lanes.flatMap((l) => [2 * l, 2 * l + 1]).join(' ');
  let stores: string;
  if (mode === 'int8') {
    // plane 0: cols 0, 2, …, 14; plane 1: cols 1, 3, …, 15 (h0 holds 0..7, h1 8..15)
    const even = pick([0, 2, 4, 6, 8, 10, 12, 14]);
    const odd = pick([1, 3, 5, 7, 9, 11, 13, 15]);
    stores = `(v128.store (local.get $out) (i8x16.shuffle ${even} (local.get $h0) (local.get $h1)))
          (v128.store offset=16 (local.get $out) (i8x16.shuffle ${odd} (local.get $h0) (local.get $h1)))`;
  } else {
    // plane k: cols 4i + k, i = 0..7 — four from (h0, h1) = cols 0..15, four from (h2, h3) = cols 16..31
    stores = [0, 1, 2, 3]
      .map((k) => {
        const fromLow = pick([k, 4 + k, 8 + k, 12 + k, k, 4 + k, 8 + k, 12 + k]);
        const both = pick([0, 1, 2, 3, 8, 9, 10, 11]);
        return `(v128.store offset=${16 * k} (local.get $out) (i8x16.shuffle ${both}
            (i8x16.shuffle ${fromLow} (local.get $h0) (local.get $h1))
            (i8x16.shuffle ${fromLow} (local.get $h2) (local.get $h3))))`;
      })
      .join('\n          ');
  }
  return `
  (func (export "prepare_x16_${mode}") (param $x i32) (param $xq i32) (param $xs i32) (param $groups i32) (param $groupSize i32)
    (local $g i32) (local $xp i32) (local $end i32) (local $max v128) (local $m f32) (local $toQ v128) (local $out i32)
    ${Array.from({ length: vecs / 2 }, (_, h) => `(local $h${h} v128)`).join(' ')}
    (local.set $out (local.get $xq))
    (block $groups_done (loop $group
      (br_if $groups_done (i32.ge_u (local.get $g) (local.get $groups)))
      ${groupScaleWat(32767)}
      (local.set $xp (local.get $x))
      (block $b_done (loop $block
        (br_if $b_done (i32.ge_u (local.get $xp) (local.get $end)))
          ${halves}
          ${stores}
        (local.set $out (i32.add (local.get $out) (i32.const ${2 * cols})))
        (local.set $xp (i32.add (local.get $xp) (i32.const ${4 * cols})))
        (br $block)))
      (local.set $x (local.get $end))
      (local.set $xs (i32.add (local.get $xs) (i32.const 4)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $group))))`;
}
