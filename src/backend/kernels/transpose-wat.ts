/**
 * WebAssembly text of an f32 transpose in 4×4 SIMD tiles (`transpose`, and `transpose_add` which adds into the
 * destination), shared by the packed base's many-row products (`src/quant/kernels/wasm/dequant-wat.ts`) and the
 * wasm `BatchMatMul` override's re-layouts (`rows-matmul-wat.ts`). tfjs-wasm's own Transpose kernel runs an index
 * loop at ~6 ns per element (5.5 ms on [1536, 576]); this one 0.16 ms on the same matrix.
 */

/** A shuffle picking 32-bit words (0–3 of a, 4–7 of b). */
const words = (...w: number[]): string => w.flatMap((i) => [4 * i, 4 * i + 1, 4 * i + 2, 4 * i + 3]).join(' ');

/** Rows per band of the transpose: a band's source lines and the 4 destination rows it fills stay in L1. */
const BAND = 32;

/**
 * dst[c·dstStride + r] = (or +=) src[r·srcStride + c]. Bands of {@link BAND} rows; in each, 4-column strips
 * left to right, each strip 4×4 tiles top to bottom, so the destination is written a whole run of 32 floats per
 * row at a time. Row-by-row strips across all columns instead touch one line per column, and with strides of
 * a power of two times 1.5 (1536 floats) those lines share two L1 sets: 8.6 ns per tile, measured. Then the ragged
 * right columns of the band, and last the rows % 4 bottom rows.
 */
export function transposeFunc(add: boolean): string {
  const put = (addr: string, v: string) =>
    add ? `(v128.store ${addr} (f32x4.add (v128.load ${addr}) ${v}))` : `(v128.store ${addr} ${v})`;
  const putOne = (addr: string, v: string) =>
    add ? `(f32.store ${addr} (f32.add (f32.load ${addr}) ${v}))` : `(f32.store ${addr} ${v})`;
  const row = (k: number) => `(i32.add (local.get $p) (i32.mul (local.get $sB) (i32.const ${k})))`;
  const col = (k: number) => `(i32.add (local.get $q) (i32.mul (local.get $dB) (i32.const ${k})))`;
  // One element: src (row $i, col $j) → dst (row $j, col $i).
  const scalar = putOne(
    `(i32.add (local.get $dst) (i32.add (i32.mul (local.get $j) (local.get $dB)) (i32.shl (local.get $i) (i32.const 2))))`,
    `(f32.load (i32.add (local.get $src) (i32.add (i32.mul (local.get $i) (local.get $sB)) (i32.shl (local.get $j) (i32.const 2)))))`,
  );
  return `
  (func (export "${add ? 'transpose_add' : 'transpose'}")
    (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $srcStride i32) (param $dstStride i32)
    (local $sB i32) (local $dB i32) (local $rows4 i32) (local $cols4 i32) (local $band i32) (local $bend i32)
    (local $r i32) (local $c i32) (local $i i32) (local $j i32) (local $p i32) (local $q i32)
    (local $a v128) (local $b v128) (local $e v128) (local $d v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $sB (i32.shl (local.get $srcStride) (i32.const 2)))
    (local.set $dB (i32.shl (local.get $dstStride) (i32.const 2)))
    (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
    (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
    (block $bands_done
      (loop $bands
        (br_if $bands_done (i32.ge_u (local.get $band) (local.get $rows4)))
        (local.set $bend (select
          (local.get $rows4)
          (i32.add (local.get $band) (i32.const ${BAND}))
          (i32.lt_u (local.get $rows4) (i32.add (local.get $band) (i32.const ${BAND})))))
        (local.set $c (i32.const 0))
        (block $strips_done
          (loop $strips
            (br_if $strips_done (i32.ge_u (local.get $c) (local.get $cols4)))
            (local.set $p (i32.add (local.get $src) (i32.add (i32.mul (local.get $band) (local.get $sB)) (i32.shl (local.get $c) (i32.const 2)))))
            (local.set $q (i32.add (local.get $dst) (i32.add (i32.mul (local.get $c) (local.get $dB)) (i32.shl (local.get $band) (i32.const 2)))))
            (local.set $r (local.get $band))
            (loop $tiles
              (local.set $a (v128.load ${row(0)}))
              (local.set $b (v128.load ${row(1)}))
              (local.set $e (v128.load ${row(2)}))
              (local.set $d (v128.load ${row(3)}))
              (local.set $t0 (i8x16.shuffle ${words(0, 4, 1, 5)} (local.get $a) (local.get $b)))
              (local.set $t1 (i8x16.shuffle ${words(2, 6, 3, 7)} (local.get $a) (local.get $b)))
              (local.set $t2 (i8x16.shuffle ${words(0, 4, 1, 5)} (local.get $e) (local.get $d)))
              (local.set $t3 (i8x16.shuffle ${words(2, 6, 3, 7)} (local.get $e) (local.get $d)))
              ${put(col(0), `(i8x16.shuffle ${words(0, 1, 4, 5)} (local.get $t0) (local.get $t2))`)}
              ${put(col(1), `(i8x16.shuffle ${words(2, 3, 6, 7)} (local.get $t0) (local.get $t2))`)}
              ${put(col(2), `(i8x16.shuffle ${words(0, 1, 4, 5)} (local.get $t1) (local.get $t3))`)}
              ${put(col(3), `(i8x16.shuffle ${words(2, 3, 6, 7)} (local.get $t1) (local.get $t3))`)}
              (local.set $p (i32.add (local.get $p) (i32.shl (local.get $sB) (i32.const 2))))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (local.set $r (i32.add (local.get $r) (i32.const 4)))
              (br_if $tiles (i32.lt_u (local.get $r) (local.get $bend))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $strips)))
        ;; the ragged right columns of this band
        (local.set $j (local.get $cols4))
        (block $rc_done
          (loop $rc
            (br_if $rc_done (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $i (local.get $band))
            (loop $ri
              ${scalar}
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $ri (i32.lt_u (local.get $i) (local.get $bend))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rc)))
        (local.set $band (local.get $bend))
        (br $bands)))
    ;; the last rows % 4 rows, every column
    (local.set $i (local.get $rows4))
    (block $br_done
      (loop $br
        (br_if $br_done (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $j (i32.const 0))
        (block $bc_done
          (loop $bc
            (br_if $bc_done (i32.ge_u (local.get $j) (local.get $cols)))
            ${scalar}
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $bc)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $br))))`;
}
