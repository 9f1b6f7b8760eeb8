/**
 * WebAssembly text of an f32 GEMM for many rows, `gemm_nn(a, b, c, m, k, n, lda, ldb, ldc, pack, flags)`:
 * c [m, n] = a [m, k] · b [k, n], every operand row-major with its own row stride (in floats), byte offsets, run in
 * place on tfjs-wasm's heap by the wasm `BatchMatMul` override's 'gemm' route (`batch-mat-mul-wasm.ts`); `pack` is
 * 16-byte-aligned scratch for k × 8 floats, or k × n with `rowsOuter` (flags bit 0; bit 1: b is packed there
 * already, see {@link gemmFuncs}).
 *
 * Register tiles of 4 rows × 8 columns: per step of k, two vectors of b's row, one splat of a per row, eight
 * multiply-adds, so eight accumulators + two of b + one splat stay in x64's 16 vector registers (a 6 × 8 tile spills
 * under V8 and measured half as fast). Column panels outside, row tiles inside: a panel of b
 * (k × 32 bytes, copied aligned into `pack`) stays in L1 while the rows of a stream past it, or the other way
 * round when a is the bigger operand. Measured (Node 20, 1 thread) at SmolLM2's training shapes: 39–44 GFLOP/s in
 * place on tfjs-wasm's heap (44–51 for the bare tile loop on packed data), where XNNPACK in tfjs-wasm reaches 34–43
 * with its weight operand already packed. Sums in f32 over k in order: on the relaxed-SIMD build (Chromium; the
 * CLI and benches in Node) as fused multiply-adds, one rounding a step, on the plain-SIMD build as a multiply then an
 * add. A step's 8 multiply-adds as 16 instructions left the loop bound by instruction issue (~31 instructions a
 * step of 32 products); fused, the same loop ran 1.12–1.15× faster with the machine quiet and 1.24–1.36× with
 * its other tenants busy (interleaved, 1 thread, SmolLM2's training shapes and its LM head; Node 20 on a 2-core
 * AMD EPYC). Unrolling k measured 0.7×: V8 hoisted every load of the unrolled steps to the top and spilled.
 * Ragged edges: 1–3 leftover rows take the same tiles with fewer rows, 4 leftover columns a 4-wide tile, the last
 * 1–3 columns a 4-wide tile on a zero-padded panel that stores only its real columns (a scalar loop there took 85
 * ms of a 143 ms LM-head product at 63 columns).
 */

import { madd } from './wasm-kernel-module';

const ZERO = '(v128.const i32x4 0 0 0 0)';
const ROWS = [4, 3, 2, 1] as const;

/** A tile's width: 8 or 4 columns, or 'part': 1–3 columns (`$cols`) of a zero-padded 4-wide panel. */
type TileWidth = 8 | 4 | 'part';

/**
 * `$tile_{rows}_{width}(a, b, c, k, lda, ldb, ldc, cols)`: c [rows, width] = a [rows, k] · b [k, width], b a packed
 * panel; strides in bytes; `cols` used by 'part' tiles only.
 */
function tileFunc(rows: number, width: TileWidth, relaxed: boolean): string {
  const vectors = width === 8 ? 2 : 1;
  const rowIdx = Array.from({ length: rows }, (_, i) => i);
  const vecIdx = Array.from({ length: vectors }, (_, j) => j);
  const acc = (i: number, j: number) => `$c${i}_${j}`;
  const accs = rowIdx.flatMap((i) => vecIdx.map((j) => `(local ${acc(i, j)} v128)`)).join(' ');
  const aPtrs = rowIdx.map((i) => `(local $a${i} i32)`).join(' ');
  const initA = rowIdx
    .map((i) => `(local.set $a${i} (i32.add (local.get $a) (i32.mul (local.get $lda) (i32.const ${i}))))`)
    .join('\n      ');
  const loadB = vecIdx.map((j) => `(local.set $b${j} (v128.load offset=${16 * j} (local.get $bp)))`).join(' ');
  const step = rowIdx
    .map((i) =>
      [
        `(local.set $x (v128.load32_splat (local.get $a${i})))`,
        ...vecIdx.map(
          (j) =>
            `(local.set ${acc(i, j)} ${madd(relaxed, '(local.get $x)', `(local.get $b${j})`, `(local.get ${acc(i, j)})`)})`,
        ),
        `(local.set $a${i} (i32.add (local.get $a${i}) (i32.const 4)))`,
      ].join(' '),
    )
    .join('\n          ');
  const rowAt = (i: number) => `(i32.add (local.get $c) (i32.mul (local.get $ldc) (i32.const ${i})))`;
  const storePart = (i: number) =>
    [0, 1, 2]
      .map(
        (lane) =>
          `(if (i32.gt_u (local.get $cols) (i32.const ${lane})) (then (f32.store offset=${4 * lane} ${rowAt(i)} (f32x4.extract_lane ${lane} (local.get ${acc(i, 0)})))))`,
      )
      .join(' ');
  const store = rowIdx
    .map((i) =>
      width === 'part'
        ? storePart(i)
        : vecIdx.map((j) => `(v128.store offset=${16 * j} ${rowAt(i)} (local.get ${acc(i, j)}))`).join(' '),
    )
    .join('\n      ');
  const zero = rowIdx.flatMap((i) => vecIdx.map((j) => `(local.set ${acc(i, j)} ${ZERO})`)).join(' ');
  return `
  (func $tile_${rows}_${width}
    (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $lda i32) (param $ldb i32) (param $ldc i32)
    (param $cols i32)
    (local $bp i32) (local $t i32) (local $x v128) ${vecIdx.map((j) => `(local $b${j} v128)`).join(' ')} ${aPtrs} ${accs}
      ${initA}
      ${zero}
      (local.set $bp (local.get $b))
      (local.set $t (local.get $k))
      (block $done
        (br_if $done (i32.eqz (local.get $t)))
        (loop $steps
          ${loadB}
          ${step}
          (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))
          (local.set $t (i32.sub (local.get $t) (i32.const 1)))
          (br_if $steps (local.get $t))))
      ${store})`;
}

/** `$tile(rows, cols, a, b, c, k, lda, ldc)`: the tile of 1–4 rows and 8, 4 or 1–3 columns on a packed panel. */
function tileDispatch(): string {
  const call = (rows: number, width: TileWidth) =>
    `(call $tile_${rows}_${width} (local.get $a) (local.get $b) (local.get $c) (local.get $k) (local.get $lda)
      (i32.const ${width === 8 ? 32 : 16}) (local.get $ldc) (local.get $cols))`;
  const byRows = (width: TileWidth) =>
    ROWS.map((rows) => `(if (i32.eq (local.get $rows) (i32.const ${rows})) (then ${call(rows, width)} (return)))`).join(
      '\n        ',
    );
  return `
  (func $tile
    (param $rows i32) (param $cols i32) (param $a i32) (param $b i32) (param $c i32) (param $k i32) (param $lda i32)
    (param $ldc i32)
    (if (i32.eq (local.get $cols) (i32.const 8)) (then
        ${byRows(8)}))
    (if (i32.eq (local.get $cols) (i32.const 4)) (then
        ${byRows(4)}))
    ${byRows('part')})`;
}

/**
 * `$panel_width(cols) → width`: the columns of the panel starting where `cols` columns are left (8, 4, or 1–3) —
 * and `$panel_bytes(k, width)`: its packed size (k rows of 8 or 4 floats).
 */
function panelFuncs(): string {
  return `
  (func $panel_width (param $left i32) (result i32)
    (select (i32.const 8)
      (select (i32.const 4) (local.get $left) (i32.ge_u (local.get $left) (i32.const 4)))
      (i32.ge_u (local.get $left) (i32.const 8))))
  (func $panel_bytes (param $k i32) (param $width i32) (result i32)
    (i32.mul (local.get $k) (select (i32.const 32) (i32.const 16) (i32.eq (local.get $width) (i32.const 8)))))`;
}

/**
 * `$pack_panel(b, ldb, k, width, dst)`: the `width` columns at b, k rows, contiguous and 16-byte aligned at dst (8 or
 * 4 floats a row; 1–3 columns zero-padded to 4). tfjs-wasm's tensors are only 8-byte aligned, and unaligned rows
 * made every other load cross a cache line (35 against 45 GFLOP/s measured).
 */
function packFunc(): string {
  const vectors = (n: number) =>
    Array.from(
      { length: n },
      (_, j) => `(v128.store offset=${16 * j} (local.get $dst) (v128.load offset=${16 * j} (local.get $b)))`,
    ).join(' ');
  const lanes = [0, 1, 2]
    .map(
      (lane) =>
        `(if (i32.gt_u (local.get $width) (i32.const ${lane})) (then (f32.store offset=${4 * lane} (local.get $dst) (f32.load offset=${4 * lane} (local.get $b)))))`,
    )
    .join(' ');
  return `
  (func $pack_panel (param $b i32) (param $ldb i32) (param $k i32) (param $width i32) (param $dst i32)
    (local $rowBytes i32)
    (local.set $rowBytes (select (i32.const 32) (i32.const 16) (i32.eq (local.get $width) (i32.const 8))))
    (block $done
      (br_if $done (i32.eqz (local.get $k)))
      (loop $rows
        (if (i32.eq (local.get $width) (i32.const 8))
          (then ${vectors(2)})
          (else
            (if (i32.eq (local.get $width) (i32.const 4))
              (then ${vectors(1)})
              (else (v128.store (local.get $dst) ${ZERO}) ${lanes}))))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
        (local.set $k (i32.sub (local.get $k) (i32.const 1)))
        (br_if $rows (local.get $k)))))`;
}

/**
 * The exported `gemm_nn` and its tiles. Two loop orders, by which operand is bigger:
 * - b bigger (dy·W, W [out, in] as b): column panels outside, each packed into `pack` (k × 8 floats) and kept in
 *   L1 while the 4-row tiles of a stream past it, so b is read once;
 * - a bigger (`rowsOuter`: (W·xᵀ)ᵀ, W as a): all of b packed into `pack` first (k × n floats, n rounded up to 4),
 *   then each 4-row tile of a stays in L1 while every panel passes, so a is read once (a 113 MB LM head streamed
 *   once per panel from memory took 157 ms instead of XNNPACK's 105). With `prepacked` (flags bit 1) the packing is
 *   skipped: a call with m = 0 packs b once, and the row chunks a kernel pool runs all read that one copy.
 */
export function gemmFuncs(relaxed: boolean): string {
  const tiles = ROWS.flatMap((rows) =>
    (['8', '4', 'part'] as const).map((w) => tileFunc(rows, w === 'part' ? w : (Number(w) as 8 | 4), relaxed)),
  ).join('');
  const rowsOf = `(select (i32.const 4) (i32.sub (local.get $m) (local.get $row)) (i32.ge_u (i32.sub (local.get $m) (local.get $row)) (i32.const 4)))`;
  const nextWidth = `(local.set $width (call $panel_width (i32.sub (local.get $n) (local.get $col))))`;
  const packAt = (dst: string) =>
    `(call $pack_panel (i32.add (local.get $b) (i32.shl (local.get $col) (i32.const 2))) (local.get $ldb) (local.get $k) (local.get $width) ${dst})`;
  const tileAt = (panel: string) => `(call $tile (local.get $rows) (local.get $width)
                  (i32.add (local.get $a) (i32.mul (local.get $row) (local.get $lda)))
                  ${panel}
                  (i32.add (i32.add (local.get $c) (i32.mul (local.get $row) (local.get $ldc))) (i32.shl (local.get $col) (i32.const 2)))
                  (local.get $k) (local.get $lda) (local.get $ldc))`;
  return `${tiles}${tileDispatch()}${panelFuncs()}${packFunc()}
  (func (export "gemm_nn")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (param $lda i32) (param $ldb i32) (param $ldc i32) (param $pack i32) (param $flags i32)
    (local $row i32) (local $rows i32) (local $col i32) (local $pp i32) (local $width i32)
    (local.set $lda (i32.shl (local.get $lda) (i32.const 2)))
    (local.set $ldb (i32.shl (local.get $ldb) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.and (local.get $flags) (i32.const 1))
      (then
        ;; every panel of b, one after another (unless packed there already)
        (local.set $pp (local.get $pack))
        (if (i32.eqz (i32.and (local.get $flags) (i32.const 2)))
          (then
            (block $packed
              (loop $pack_all
                (br_if $packed (i32.ge_u (local.get $col) (local.get $n)))
                ${nextWidth}
                ${packAt('(local.get $pp)')}
                (local.set $pp (i32.add (local.get $pp) (call $panel_bytes (local.get $k) (local.get $width))))
                (local.set $col (i32.add (local.get $col) (local.get $width)))
                (br $pack_all)))))
        (block $rows_done
          (loop $row_tiles
            (br_if $rows_done (i32.ge_u (local.get $row) (local.get $m)))
            (local.set $rows ${rowsOf})
            (local.set $col (i32.const 0))
            (local.set $pp (local.get $pack))
            (block $cols_done
              (loop $cols
                (br_if $cols_done (i32.ge_u (local.get $col) (local.get $n)))
                ${nextWidth}
                ${tileAt('(local.get $pp)')}
                (local.set $pp (i32.add (local.get $pp) (call $panel_bytes (local.get $k) (local.get $width))))
                (local.set $col (i32.add (local.get $col) (local.get $width)))
                (br $cols)))
            (local.set $row (i32.add (local.get $row) (local.get $rows)))
            (br $row_tiles))))
      (else
        (block $panels_done
          (loop $panels
            (br_if $panels_done (i32.ge_u (local.get $col) (local.get $n)))
            ${nextWidth}
            ${packAt('(local.get $pack)')}
            (local.set $row (i32.const 0))
            (block $tiles_done
              (loop $tiles
                (br_if $tiles_done (i32.ge_u (local.get $row) (local.get $m)))
                (local.set $rows ${rowsOf})
                ${tileAt('(local.get $pack)')}
                (local.set $row (i32.add (local.get $row) (local.get $rows)))
                (br $tiles)))
            (local.set $col (i32.add (local.get $col) (local.get $width)))
            (br $panels))))))`;
}
