/**
 * WebAssembly text of generation's exponentials, assembled by src/quant/kernels/wasm/assemble.node.ts into
 * `generation-math-modules.generated.ts`. JS spends ~15 ns per element in Math.exp (a SmolLM2-135M decode step has
 * 46 k SwiGLU elements: 0.7 ms; a decode step's softmax over a 1024-token cache 4 k per layer); here four lanes
 * at a time, e^t = 2^n · p(r), n = round(t·log₂e), r = t − n·ln 2 (in two parts), with Cephes' degree-7 expf
 * polynomial (about 1 ulp on [−ln2/2, ln2/2]) and t clamped to ±88 (e^88 is finite in f32):
 *
 * - `swiglu(gate, up, out, n)`: silu(g)·u = g·u / (1 + e^(−g)) (past ±88 silu is g·u or 0 to f32 precision);
 * - `exp_shift_sum(p, n, shift) → Σ`: p[i] = e^(p[i] − shift) in place, and their sum (softmax's numerators).
 *
 * Both cover the first n − n mod 4 elements; the caller finishes the tail. Beside them RMSNorm's rows and its
 * gradient (rms-norm-wat.ts) and RoPE's (`ropeRows`).
 */
import { memoryImport, type WasmBuild } from './wasm-kernel-module';
import { rmsNormFunc, rmsNormGradFunc } from './rms-norm-wat';

const splat = (v: number) => `(f32x4.splat (f32.const ${v}))`;

/** e^t for t in a v128 local `$t` (already clamped), into `$e`. */
const EXP = `
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $t) ${splat(1.4426950408889634)})))
      (local.set $r (f32x4.sub (f32x4.sub (local.get $t)
        (f32x4.mul (local.get $n) ${splat(0.693359375)})) (f32x4.mul (local.get $n) ${splat(-2.1219444e-4)})))
      (local.set $poly ${splat(1.98756915e-4)})
      ${[1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]
        .map((c) => `(local.set $poly (f32x4.add (f32x4.mul (local.get $poly) (local.get $r)) ${splat(c)}))`)
        .join('\n      ')}
      (local.set $poly (f32x4.add (f32x4.add (f32x4.mul (local.get $poly) (f32x4.mul (local.get $r) (local.get $r)))
        (local.get $r)) ${splat(1)}))
      (local.set $e (f32x4.mul (local.get $poly)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))`;

function swiglu(): string {
  return `
  (func (export "swiglu") (param $gate i32) (param $up i32) (param $out i32) (param $count i32)
    (local $end i32) (local $g v128) (local $t v128) (local $n v128) (local $r v128) (local $poly v128) (local $e v128)
    (local.set $end (i32.add (local.get $gate) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $gate) (local.get $end)))
      (local.set $g (v128.load (local.get $gate)))
      (local.set $t (f32x4.min (f32x4.max (f32x4.neg (local.get $g)) ${splat(-88)}) ${splat(88)}))${EXP}
      (v128.store (local.get $out) (f32x4.div (f32x4.mul (local.get $g) (v128.load (local.get $up)))
        (f32x4.add (local.get $e) ${splat(1)})))
      (local.set $gate (i32.add (local.get $gate) (i32.const 16)))
      (local.set $up (i32.add (local.get $up) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $each))))`;
}

function expShiftSum(): string {
  return `
  (func (export "exp_shift_sum") (param $p i32) (param $count i32) (param $shift f32) (result f32)
    (local $end i32) (local $t v128) (local $n v128) (local $r v128) (local $poly v128) (local $e v128)
    (local $sum v128) (local $s v128)
    (local.set $s (f32x4.splat (local.get $shift)))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $done (loop $each
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $t (f32x4.min (f32x4.max (f32x4.sub (v128.load (local.get $p)) (local.get $s)) ${splat(-88)}) ${splat(88)}))${EXP}
      (v128.store (local.get $p) (local.get $e))
      (local.set $sum (f32x4.add (local.get $sum) (local.get $e)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (br $each)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sum)) (f32x4.extract_lane 1 (local.get $sum)))
      (f32.add (f32x4.extract_lane 2 (local.get $sum)) (f32x4.extract_lane 3 (local.get $sum)))))`;
}

/**
 * `rope_rows(x, cos, sin, y, rows, heads, dim, pre, post, sign)`: rope-wasm.ts's `ropeRows` for `rows` token rows
 * of `heads` vectors of `dim` floats (dim a multiple of 8), one cos/sin row of `dim` floats per token row: per pair
 * of halves lo, hi (scaled by `pre` first), y_lo = lo·c + (−hi)·(sign·s), y_hi = hi·c + lo·(sign·s), then times
 * `post`. The same f32 products and sums, in the same order, as the JS; a factor of 1 leaves a value as it is, so
 * the JS's skipped multiplies and these agree bit for bit.
 */
function ropeRows(): string {
  return `
  (func (export "rope_rows") (param $x i32) (param $cos i32) (param $sin i32) (param $y i32) (param $rows i32)
    (param $heads i32) (param $dim i32) (param $pre f32) (param $post f32) (param $sign f32)
    (local $r i32) (local $h i32) (local $j i32) (local $half i32) (local $at i32) (local $t i32)
    (local $lo v128) (local $hi v128) (local $c v128) (local $s v128) (local $vpre v128) (local $vpost v128)
    (local.set $half (i32.shl (local.get $dim) (i32.const 1))) ;; bytes of half a vector
    (local.set $vpre (f32x4.splat (local.get $pre)))
    (local.set $vpost (f32x4.splat (local.get $post)))
    (block $rows_done (loop $row
      (br_if $rows_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $h (i32.const 0))
      (block $heads_done (loop $head
        (br_if $heads_done (i32.ge_u (local.get $h) (local.get $heads)))
        (local.set $j (i32.const 0))
        (block $pairs_done (loop $pair
          (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $half)))
          (local.set $at (i32.add (local.get $x) (local.get $j)))
          (local.set $t (i32.add (local.get $cos) (local.get $j)))
          (local.set $lo (f32x4.mul (v128.load (local.get $at)) (local.get $vpre)))
          (local.set $hi (f32x4.mul (v128.load (i32.add (local.get $at) (local.get $half))) (local.get $vpre)))
          (local.set $c (v128.load (local.get $t)))
          (local.set $s (f32x4.mul (v128.load (i32.add (local.get $sin) (local.get $j))) (f32x4.splat (local.get $sign))))
          (local.set $at (i32.add (local.get $y) (local.get $j)))
          (v128.store (local.get $at) (f32x4.mul (f32x4.add (f32x4.mul (local.get $lo) (local.get $c))
            (f32x4.mul (f32x4.neg (local.get $hi)) (local.get $s))) (local.get $vpost)))
          (v128.store (i32.add (local.get $at) (local.get $half)) (f32x4.mul (f32x4.add
            (f32x4.mul (local.get $hi) (local.get $c)) (f32x4.mul (local.get $lo) (local.get $s))) (local.get $vpost)))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $pair)))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $head)))
      (local.set $cos (i32.add (local.get $cos) (i32.shl (local.get $dim) (i32.const 2))))
      (local.set $sin (i32.add (local.get $sin) (i32.shl (local.get $dim) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $row))))`;
}

/** The whole module for one build (no relaxed instructions: both builds are the same code). */
export function generationMathWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${swiglu()}${expShiftSum()}${rmsNormFunc()}${rmsNormGradFunc()}${ropeRows()}
)
`;
}
