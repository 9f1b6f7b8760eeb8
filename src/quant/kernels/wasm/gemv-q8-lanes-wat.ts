/**
 * The 4-row relaxed-SIMD int4 × 8-bit-x kernel of prefill (gemv-q8-wat.ts's dot, 4 rows of x per weight decoded),
 * with one float fold per group for all 4 rows instead of one per row: the fold is where the 4-row kernel of
 * gemv-q8-wat.ts spent half its instructions at group size 64 (per row and group: read the header, widen, add,
 * convert, two scale loads, a multiply, a splat and a multiply-add, against 8 instructions of dots).
 *
 * Per group, each row's 16-bit dot sums are widened to i32x4 and the four rows' vectors reduced across lanes into
 * one i32x4 whose lane r is row r's exact integer dot (integer sums: no rounding). That vector takes the four rows'
 * −8·Σxq corrections, is converted once, multiplied by [xscale[r, g]]_r · scale[o, g] and added into one f32x4 whose
 * lanes are the rows. The per-group tables the fold reads (`gemv_int4_q8_g<G>_r4l`'s xs argument) are laid out by
 * the host (`q8LanesTable` in gemv-wasm.ts), per group 32 bytes: the 4 rows' x scales as f32, then their
 * corrections as i32. The codes of x are the 4 rows' `prepare_x8` layouts; the kernel steps over their headers.
 *
 * Per group of 64 and 4 rows this is ~79 instructions against ~106 (the frame's fold per row); per row and group
 * the rounding is one convert and one multiply-add of an exact integer instead of four lanes' worth.
 */
import { madd } from '../../../backend/kernels/wasm-kernel-module';
import { GROUP_SIZES, type GroupSize } from '../../packed';
import { afterBranch, columnStart, gemvParams, xAt } from './gemv-frame-wat';
import { DECODE_NIBBLES, Q8_GROUP_HEADER_BYTES, q8DotInto, q8Sums } from './gemv-q8-wat';

/** Rows of x one call of the lane-fold kernel takes. */
export const Q8_LANE_ROWS = 4;

/** Bytes of the fold table per group: 4 rows' x scales (f32), then their −8·Σxq corrections (i32). */
export const Q8_LANE_TABLE_BYTES = 32;

/** i8x16.shuffle of two vectors by i32 lanes (0–3 from the first, 4–7 from the second). */
function shuffle32(lanes: number[], a: string, b: string): string {
  const bytes = lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  return `(i8x16.shuffle ${bytes.join(' ')} ${a} ${b})`;
}

/** [Σ lanes of a, Σ lanes of b]: pairs of lanes of a and b added (lanes a0+a2, a1+a3, b0+b2, b1+b3). */
function pairSums(a: string, b: string): string {
  return `(i32x4.add ${shuffle32([0, 1, 4, 5], a, b)} ${shuffle32([2, 3, 6, 7], a, b)})`;
}

/**
 * One 16-byte step (32 codes) against the 4 rows of x; `first`: the group's first step sets the sums. `dotAdd`:
 * the sums are i32x4 accumulated by `i32x4.relaxed_dot_i8x16_i7x16_add_s` (one instruction per 16 products, where
 * the engine has it as such: AVX-VNNI's vpdpbusd, ARM's sdot) instead of i16x8 dots and adds widened at the fold.
 */
function step(first: boolean, dotAdd: boolean): string {
  const dot = (r: number, plane: string, off: number, set: boolean) =>
    q8DotInto(`$acc${r}`, `(v128.load offset=${off} ${xAt(r)})`, plane, dotAdd, set);
  const rows = Array.from({ length: Q8_LANE_ROWS }, (_, r) => r);
  return [
    ...DECODE_NIBBLES,
    ...rows.map((r) => dot(r, '(local.get $lo)', 0, first)),
    ...rows.map((r) => dot(r, '(local.get $hi)', 16, false)),
    `(local.set $xp (i32.add (local.get $xp) (i32.const 32)))`,
    `(local.set $wp (i32.add (local.get $wp) (i32.const 16)))`,
  ].join('\n            ');
}

/** The group's fold: the 4 rows' exact dots as lanes, corrected, scaled, added into $sum. */
function fold(dotAdd: boolean): string {
  const wide = (r: number) => q8Sums(`$acc${r}`, dotAdd);
  const dots = `(i32x4.add ${shuffle32([0, 2, 4, 6], '(local.get $ab)', '(local.get $cd)')} ${shuffle32([1, 3, 5, 7], '(local.get $ab)', '(local.get $cd)')})`;
  return [
    `(local.set $ab ${pairSums(wide(0), wide(1))})`,
    `(local.set $cd ${pairSums(wide(2), wide(3))})`,
    `(local.set $sum ${madd(
      true,
      `(f32x4.convert_i32x4_s (i32x4.add ${dots} (v128.load offset=16 (local.get $cp))))`,
      '(f32x4.mul (v128.load (local.get $cp)) (f32x4.splat (f32.load (local.get $sp))))',
      '(local.get $sum)',
    )})`,
  ].join('\n            ');
}

/**
 * gemv_int4_q8_g<G>_r4l(w, scales, xq, y, out, rowBytes, groups, groupBytes, table, xStride, xsStride, yStride):
 * y[r, o] for the 4 rows of x at xq (xStride bytes apart, `prepare_x8` layouts) and every output column o < out;
 * `table` the fold table (Q8_LANE_TABLE_BYTES per group); xsStride is not read. Relaxed builds only. `_r4ld`: the
 * same with `dotAdd` sums — the same exact integers, so the same y bit for bit where the engine computes the
 * instruction right (Node 20's V8 returns twice the dot; `q8-dot-add-choice.ts` checks before it is used).
 */
export function gemvQ8LanesFunc(groupSize: GroupSize, dotAdd = false): string {
  const steps = groupSize / 32;
  const rows = Array.from({ length: Q8_LANE_ROWS }, (_, r) => r);
  const store = (r: number) =>
    `(f32.store ${r === 0 ? '(local.get $yp)' : `(i32.add (local.get $yp) (local.get $yr${r}))`} (f32x4.extract_lane ${r} (local.get $sum)))`;
  return `
  (func (export "gemv_int4_q8_g${groupSize}_${dotAdd ? 'r4ld' : 'r4l'}")
    ${gemvParams('$table')}
    (local $o i32) (local $g i32) (local $wp i32) (local $xp i32) (local $sp i32) (local $cp i32) (local $yp i32)
    (local $sum v128) (local $v v128) (local $lo v128) (local $hi v128) (local $ab v128) (local $cd v128)
    ${rows.map((r) => `(local $acc${r} v128)`).join(' ')}
    ${rows
      .slice(1)
      .map((r) => `(local $xr${r} i32) (local $yr${r} i32)`)
      .join(' ')}
    ${rows
      .slice(1)
      .map(
        (r) => `(local.set $xr${r} (i32.mul (local.get $xStride) (i32.const ${r})))
    (local.set $yr${r} (i32.mul (local.get $yStride) (i32.const ${r})))`,
      )
      .join('\n    ')}
    (local.set $yp (local.get $y))
    (block $cols_done
      (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $o) (local.get $out)))
        ${columnStart('$table')}
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $group
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $groups)))
            (local.set $xp (i32.add (local.get $xp) (i32.const ${Q8_GROUP_HEADER_BYTES})))
            ${Array.from({ length: steps }, (_, k) => (k === 0 ? step(true, dotAdd) : afterBranch(step(false, dotAdd)))).join('\n            ')}
            ${fold(dotAdd)}
            (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
            (local.set $cp (i32.add (local.get $cp) (i32.const 32)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $group)))
        ${rows.map(store).join('\n        ')}
        (local.set $yp (i32.add (local.get $yp) (i32.const 4)))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $cols))))`;
}

/** The lane-fold kernel for every group size, both sums, for the relaxed builds' modules. */
export function q8LanesFuncs(): string {
  return GROUP_SIZES.map((g) => gemvQ8LanesFunc(g) + gemvQ8LanesFunc(g, true)).join('');
}
