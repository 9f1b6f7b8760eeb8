/**
 * WebAssembly text of RMSNorm's rows and their gradient (part of the generation-math module, see
 * generation-math-wat.ts; run by rms-norm-wasm.ts). Rows of `dim` floats, dim a multiple of 4; byte offsets.
 *
 * - `rms_norm(x, w, y, rows, dim, eps)`: y = fround(x · inv) · w with inv = 1 / √(Σx² / dim + eps), rounded as
 *   rms-norm-wasm.ts's JS rounds it: the squares summed in float64 (two f64x2 lane pairs), then Σ / dim, + eps and
 *   1 / √ each rounded to f32.
 * - `rms_norm_grad(x, w, dy, dx, rows, dim, eps)`: dx = inv · (w ⊙ dy) − x · inv³ · Σ(w ⊙ dy ⊙ x) / dim, inv as
 *   above (the gradient of the composite ops: through x · inv, and through inv = (mean(x²) + eps)^(−1/2)); the sum
 *   in f32 lanes.
 */

const high = Array.from({ length: 16 }, (_, i) => 8 + (i % 8)).join(' ');

/** The row's 1 / √(Σx² / dim + eps) into the f32 local `$invs` (the row from `$x` to `$end`). */
const INVERSE_RMS = `
      (local.set $a (v128.const i32x4 0 0 0 0))
      (local.set $b (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $x))
      (block $sq_done (loop $sq
        (br_if $sq_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        (local.set $lo (f64x2.promote_low_f32x4 (local.get $v)))
        (local.set $hi (f64x2.promote_low_f32x4 (i8x16.shuffle ${high} (local.get $v) (local.get $v))))
        (local.set $a (f64x2.add (local.get $a) (f64x2.mul (local.get $lo) (local.get $lo))))
        (local.set $b (f64x2.add (local.get $b) (f64x2.mul (local.get $hi) (local.get $hi))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $sq)))
      (local.set $sum (f64.add (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a)))
        (f64.add (f64x2.extract_lane 0 (local.get $b)) (f64x2.extract_lane 1 (local.get $b)))))
      (local.set $invs (f32.demote_f64 (f64.div (f64.const 1) (f64.sqrt (f64.promote_f32
        (f32.demote_f64 (f64.add (f64.promote_f32 (f32.demote_f64 (f64.div (local.get $sum)
          (f64.convert_i32_u (local.get $dim))))) (local.get $eps))))))))`;

const ROW_LOCALS = `(local $r i32) (local $p i32) (local $end i32) (local $q i32) (local $v v128) (local $lo v128)
    (local $hi v128) (local $a v128) (local $b v128) (local $sum f64) (local $invs f32) (local $inv v128)`;

const advance = (...names: string[]) =>
  names.map((n) => `(local.set ${n} (i32.add (local.get ${n}) (i32.const 16)))`).join(' ');

export function rmsNormFunc(): string {
  return `
  (func (export "rms_norm") (param $x i32) (param $w i32) (param $y i32) (param $rows i32) (param $dim i32) (param $eps f64)
    ${ROW_LOCALS}
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dim) (i32.const 2))))
      ${INVERSE_RMS}
      (local.set $inv (f32x4.splat (local.get $invs)))
      (local.set $p (local.get $x))
      (local.set $q (local.get $w))
      (block $out_done (loop $out
        (br_if $out_done (i32.ge_u (local.get $p) (local.get $end)))
        (v128.store (local.get $y) (f32x4.mul (f32x4.mul (v128.load (local.get $p)) (local.get $inv))
          (v128.load (local.get $q))))
        ${advance('$p', '$q', '$y')}
        (br $out)))
      (local.set $x (local.get $end))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))`;
}

export function rmsNormGradFunc(): string {
  return `
  (func (export "rms_norm_grad") (param $x i32) (param $w i32) (param $dy i32) (param $dx i32) (param $rows i32)
    (param $dim i32) (param $eps f64)
    ${ROW_LOCALS} (local $d i32) (local $acc v128) (local $wdy v128) (local $coef v128)
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $end (i32.add (local.get $x) (i32.shl (local.get $dim) (i32.const 2))))
      ${INVERSE_RMS}
      ;; Σ w ⊙ dy ⊙ x over the row
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $p (local.get $x))
      (local.set $q (local.get $w))
      (local.set $d (local.get $dy))
      (block $dot_done (loop $dot
        (br_if $dot_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (f32x4.mul (v128.load (local.get $q)) (v128.load (local.get $d))) (v128.load (local.get $p)))))
        ${advance('$p', '$q', '$d')}
        (br $dot)))
      ;; coef = inv³ · Σ / dim
      (local.set $coef (f32x4.splat (f32.div
        (f32.mul (f32.mul (f32.mul (local.get $invs) (local.get $invs)) (local.get $invs))
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (f32.convert_i32_u (local.get $dim)))))
      (local.set $inv (f32x4.splat (local.get $invs)))
      (local.set $p (local.get $x))
      (local.set $q (local.get $w))
      (local.set $d (local.get $dy))
      (block $out_done (loop $out
        (br_if $out_done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $wdy (f32x4.mul (v128.load (local.get $q)) (v128.load (local.get $d))))
        (v128.store (local.get $dx) (f32x4.sub (f32x4.mul (local.get $wdy) (local.get $inv))
          (f32x4.mul (v128.load (local.get $p)) (local.get $coef))))
        ${advance('$p', '$q', '$d', '$dx')}
        (br $out)))
      (local.set $x (local.get $end))
      (local.set $dy (local.get $d))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))`;
}
