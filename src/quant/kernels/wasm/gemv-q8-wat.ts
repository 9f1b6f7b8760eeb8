/**
 * The relaxed-SIMD integer-dot GEMV for an int4 base (decode and small prefill blocks, 1 to 4 rows of x), the way
 * llama.cpp's Q4_0 × Q8_0 dot runs on AVX2: x is quantized per weight group to 8-bit integers (`prepareXq8` in
 * gemv-wasm.ts), the codes are taken as unsigned nibbles u = q + 8 (one xor with 0x88 flips each nibble's sign bit),
 * and `i16x8.relaxed_dot_i8x16_i7x16_s` (x86: pmaddubsw) does 16 multiply-adds per instruction into 16-bit pair
 * sums, added and widened to exact 32-bit sums at each group's fold — or, in the `r<R>d` forms, where the engine
 * runs it right and faster (`q8-dot-add-choice.ts`), `i32x4.relaxed_dot_i8x16_i7x16_add_s` straight into them:
 *
 *   y[o] = Σ_g scale[o, g] · xscale[g] · (Σ_{c ∈ g} u[o, c] · xq[c] − 8 · Σ_{c ∈ g} xq[c])
 *
 * The relaxed dot is deterministic only when its second operand is in 0..127: the nibbles are 0..15. Its pairwise
 * 16-bit sums cannot saturate (2 · 127 · 15 = 3810). The − 8·Σxq term comes with x: `prepareXq8` writes, before
 * each group's codes, 16 bytes [−8·Σxq, 0, 0, 0] as i32 that the group's accumulator starts from.
 *
 * Why only in generation, and only where relaxed SIMD exists (Chromium 114+): x rounds at 1 part in 254 of its
 * group's largest |x| (the 16-bit kernels in gemv-q16-wat.ts round at 1 in 65534), the same rounding llama.cpp
 * applies to every activation; plain SIMD has no 8-bit dot product, so there this kernel would not be faster.
 *
 * Layout: per 16-byte word (32 columns) byte j holds column 2j in its low nibble and 2j + 1 in its high one; xq
 * per word is [16 even columns | 16 odd columns] as i8, so the masked low nibbles meet the even half and the
 * shifted high nibbles the odd half.
 */
import { madd } from '../../../backend/kernels/wasm-kernel-module';
import { GROUP_SIZES, type GroupSize } from '../../packed';
import { gemvFrame, groupScaleWat, xAt, xsAt } from './gemv-frame-wat';

const NIBBLE_MASK = '(v128.const i32x4 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f 0x0f0f0f0f)';
const SIGN_FLIP = '(v128.const i32x4 0x88888888 0x88888888 0x88888888 0x88888888)';

/** Bytes of x per group before its codes: the i32x4 the group's accumulator starts from. */
export const Q8_GROUP_HEADER_BYTES = 16;

/** Rows of x one call takes: 1 to Q8_MAX_ROWS (the exports gemv_int4_q8_r<R>). */
export const Q8_MAX_ROWS = 4;

/** 16 bytes of codes at $wp as unsigned nibbles u = q + 8: $lo the even columns', $hi the odd columns'. */
export const DECODE_NIBBLES: readonly string[] = [
  `(local.set $v (v128.xor (v128.load (local.get $wp)) ${SIGN_FLIP}))`,
  `(local.set $lo (v128.and (local.get $v) ${NIBBLE_MASK}))`,
  `(local.set $hi (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) ${NIBBLE_MASK}))`,
];

/**
 * The 16 products of x's codes and a nibble plane added into `acc` (`set`: `acc` starts from them): by
 * `i32x4.relaxed_dot_i8x16_i7x16_add_s` into i32x4 sums (`dotAdd`, see q8-dot-add-choice.ts), else by an i16x8 dot
 * and add into 16-bit pair sums that `q8Sums` widens at the fold.
 */
export function q8DotInto(acc: string, x: string, plane: string, dotAdd: boolean, set = false): string {
  if (dotAdd) {
    const from = set ? '(v128.const i32x4 0 0 0 0)' : `(local.get ${acc})`;
    return `(local.set ${acc} (i32x4.relaxed_dot_i8x16_i7x16_add_s ${x} ${plane} ${from}))`;
  }
  const d = `(i16x8.relaxed_dot_i8x16_i7x16_s ${x} ${plane})`;
  return `(local.set ${acc} ${set ? d : `(i16x8.add (local.get ${acc}) ${d})`})`;
}

/** The exact i32x4 sums `q8DotInto` built in `acc`: as they are (`dotAdd`), or its i16 pairs widened. */
export function q8Sums(acc: string, dotAdd: boolean): string {
  return dotAdd ? `(local.get ${acc})` : `(i32x4.extadd_pairwise_i16x8_s (local.get ${acc}))`;
}

/** One 16-byte step (32 codes): both nibble planes dotted with every row of x (`q8DotInto`). */
function step(rows: number, dotAdd: boolean): string {
  const dot = (r: number, plane: string, off: number) =>
    q8DotInto(`$acc${r}`, `(v128.load offset=${off} ${xAt(r)})`, plane, dotAdd);
  const each = (f: (r: number) => string) => Array.from({ length: rows }, (_, r) => f(r));
  return [
    ...DECODE_NIBBLES,
    ...each((r) => dot(r, '(local.get $lo)', 0)),
    ...each((r) => dot(r, '(local.get $hi)', 16)),
    `(local.set $xp (i32.add (local.get $xp) (i32.const 32)))`,
  ].join('\n          ');
}

/**
 * gemv_int4_q8_r<R>(w, scales, xq, y, out, rowBytes, groups, groupBytes, xscales, xStride, xsStride, yStride):
 * the frame's parameters (gemv-frame-wat.ts); xq row r holds, per group, the 16-byte header then the group's codes'
 * x as i8. Relaxed builds only. `_r<R>d`: the same with i32 dot-add sums (the same y bit for bit where the engine
 * computes the instruction right).
 */
export function gemvQ8Func(rows: number, groupSize: GroupSize, dotAdd = false): string {
  const each = (f: (r: number) => string) => Array.from({ length: rows }, (_, r) => f(r)).join(' ');
  return gemvFrame({
    name: `gemv_int4_q8_g${groupSize}_r${rows}${dotAdd ? 'd' : ''}`,
    // Unrolled as one block the multi-row kernels spilled (4 rows 0.036 against 0.029 ns per MAC looped); with the
    // frame's branch between steps they run 1.08–1.10× faster than looped (2–4 rows, SmolLM2's [1536, 576], Node 20)
    stepsPerGroup: groupSize / 32,
    rows,
    locals: `(local $v v128) (local $lo v128) (local $hi v128) ${each((r) => `(local $acc${r} v128)`)}`,
    groupStart: [
      each((r) => `(local.set $acc${r} (v128.const i32x4 0 0 0 0))`),
      `(local.set $xp (i32.add (local.get $xp) (i32.const ${Q8_GROUP_HEADER_BYTES})))`,
    ].join('\n            '),
    step: step(rows, dotAdd),
    fold: (r) =>
      madd(
        true,
        // The group's header, read back behind $xp (held in a register it crowds the multi-row kernels into spills)
        `(f32x4.convert_i32x4_s (i32x4.add (v128.load (i32.sub ${xAt(r)} (i32.const ${Q8_GROUP_HEADER_BYTES + groupSize}))) ${q8Sums(`$acc${r}`, dotAdd)}))`,
        `(f32x4.splat (f32.mul (f32.load (local.get $sp)) (f32.load ${xsAt(r)})))`,
        `(local.get $row${r})`,
      ),
  });
}

/** Every group size's and row count's kernel (each group's steps unrolled), for the relaxed builds' modules. */
export function q8Funcs(): string {
  const rows = Array.from({ length: Q8_MAX_ROWS }, (_, i) => i + 1);
  return GROUP_SIZES.flatMap((g) => rows.flatMap((r) => [gemvQ8Func(r, g), gemvQ8Func(r, g, true)])).join('');
}

/**
 * prepare_x8(x, xq, xscales, groups, groupSize): `prepareXq8` (gemv-wasm.ts) for whole groups, four lanes at a
 * time — in JS it cost as much as the GEMV it feeds at decode sizes. Per group: the largest |x| (NaN-propagating,
 * as the JS), xscale = max / 127, xq = nearest(x · 127 / max) (ties to even; the JS rounds them up), the header
 * [−8·Σxq, 0, 0, 0], then per 32 columns the 16 even and the 16 odd columns' codes. Byte offsets; x's groups must be
 * whole (inFeatures a multiple of groupSize: the caller checks).
 */
export function prepareX8Func(): string {
  const q = (k: number) =>
    `(i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset=${16 * k} (local.get $xp)) (local.get $toQ))))`;
  const codes = Array.from({ length: 8 }, (_, k) => `(local.set $c${k} ${q(k)})`).join('\n          ');
  const sum = Array.from(
    { length: 8 },
    (_, k) => `(local.set $sum (i32x4.add (local.get $sum) (local.get $c${k})))`,
  ).join('\n          ');
  const even = Array.from({ length: 16 }, (_, i) => 2 * i).join(' ');
  const odd = Array.from({ length: 16 }, (_, i) => 2 * i + 1).join(' ');
  return `
  (func (export "prepare_x8") (param $x i32) (param $xq i32) (param $xs i32) (param $groups i32) (param $groupSize i32)
    (local $g i32) (local $xp i32) (local $end i32) (local $max v128) (local $m f32) (local $toQ v128) (local $sum v128)
    (local $lo v128) (local $hi v128) (local $out i32)
    ${Array.from({ length: 8 }, (_, k) => `(local $c${k} v128)`).join(' ')}
    (block $groups_done (loop $group
      (br_if $groups_done (i32.ge_u (local.get $g) (local.get $groups)))
      ${groupScaleWat(127)}
      (local.set $sum (v128.const i32x4 0 0 0 0))
      (local.set $xp (local.get $x))
      (local.set $out (i32.add (local.get $xq) (i32.const ${Q8_GROUP_HEADER_BYTES})))
      (block $b_done (loop $block
        (br_if $b_done (i32.ge_u (local.get $xp) (local.get $end)))
          ${codes}
          ${sum}
          (local.set $lo (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $c0) (local.get $c1))
            (i16x8.narrow_i32x4_s (local.get $c2) (local.get $c3))))
          (local.set $hi (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s (local.get $c4) (local.get $c5))
            (i16x8.narrow_i32x4_s (local.get $c6) (local.get $c7))))
          (v128.store (local.get $out) (i8x16.shuffle ${even} (local.get $lo) (local.get $hi)))
          (v128.store offset=16 (local.get $out) (i8x16.shuffle ${odd} (local.get $lo) (local.get $hi)))
        (local.set $out (i32.add (local.get $out) (i32.const 32)))
        (local.set $xp (i32.add (local.get $xp) (i32.const 128)))
        (br $block)))
      (v128.store (local.get $xq) (i32x4.replace_lane 0 (v128.const i32x4 0 0 0 0) (i32.mul (i32.const -8)
        (i32.add (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
          (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))))
      (local.set $x (local.get $end))
      (local.set $xq (local.get $out))
      (local.set $xs (i32.add (local.get $xs) (i32.const 4)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $group))))`;
}
