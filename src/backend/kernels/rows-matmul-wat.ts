/**
 * WebAssembly text of two f32 products for few rows (assembled by src/quant/kernels/wasm/assemble.node.ts into
 * `rows-matmul-modules.generated.ts`, loaded by `rows-matmul-wasm.ts`), run in place on tfjs-wasm's heap by the
 * wasm `BatchMatMul` override's 'rows' route (`batch-mat-mul-wasm.ts`):
 * - `mm_nt(a, b, c, m, k, n)`: c [m, n] = a [m, k] · b [n, k]ᵀ — every output one dot product of two contiguous
 *   rows (a decode step's x·Wᵀ with W [out, in] as stored, attention's q·kᵀ against the cache). b's rows are the
 *   outer loop so each is read once, whatever m.
 * - `mm_nn(a, b, c, m, k, n)`: c [m, n] = a [m, k] · b [k, n] — each output row accumulated as Σ_t a[i, t]·b[t, :]
 *   (attention's p·v, RoPE's rotation of a few rows).
 * - `gemm_nn(a, b, c, m, k, n, lda, ldb, ldc)` (`gemm-wat.ts`): many rows, the override's 'gemm' route.
 * - `transpose(src, dst, rows, cols, srcStride, dstStride)` (`transpose-wat.ts`): the override's re-layout of a
 *   transposed operand or a swapped product, in place of tfjs's Transpose kernel.
 * tfjs-wasm runs these shapes either through its scalar loop (transposed or batched operands: 3–4 ns per multiply-
 * add measured on decode attention) or through XNNPACK after packing b on every call (a fresh b, or the 'swap'
 * route's (W·xᵀ)ᵀ at ~0.5 ns per weight); here there is no copy and no packing. Sums in f32, 4 independent
 * accumulators per dot; every argument a byte offset, sizes in elements, any k and n (scalar tails).
 */

import { gemmFuncs } from './gemm-wat';
import { transposeFunc } from './transpose-wat';
import { madd, memoryImport, type WasmBuild } from './wasm-kernel-module';

const ZERO = '(v128.const i32x4 0 0 0 0)';

function mmNt(relaxed: boolean): string {
  const acc = (r: number, off: number) =>
    `(local.set $acc${r} ${madd(
      relaxed,
      `(v128.load offset=${off} (local.get $ap))`,
      `(v128.load offset=${off} (local.get $bp))`,
      `(local.get $acc${r})`,
    )})`;
  const step = (bytes: number) =>
    `(local.set $ap (i32.add (local.get $ap) (i32.const ${bytes}))) (local.set $bp (i32.add (local.get $bp) (i32.const ${bytes})))`;
  return `
  (func (export "mm_nt")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $j i32) (local $ap i32) (local $bp i32) (local $end16 i32) (local $end4 i32) (local $end i32)
    (local $rowA i32) (local $rowB i32) (local $rowBytes i32) (local $s f32)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local.set $rowBytes (i32.shl (local.get $k) (i32.const 2)))
    (block $cols_done
      (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $rowB (i32.add (local.get $b) (i32.mul (local.get $j) (local.get $rowBytes))))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
            (local.set $rowA (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $rowBytes))))
            (local.set $ap (local.get $rowA))
            (local.set $bp (local.get $rowB))
            (local.set $end (i32.add (local.get $rowA) (local.get $rowBytes)))
            (local.set $end16 (i32.add (local.get $rowA) (i32.and (local.get $rowBytes) (i32.const -64))))
            (local.set $end4 (i32.add (local.get $rowA) (i32.and (local.get $rowBytes) (i32.const -16))))
            (local.set $acc0 ${ZERO}) (local.set $acc1 ${ZERO}) (local.set $acc2 ${ZERO}) (local.set $acc3 ${ZERO})
            (block $d16 (loop $l16
              (br_if $d16 (i32.ge_u (local.get $ap) (local.get $end16)))
              ${acc(0, 0)} ${acc(1, 16)} ${acc(2, 32)} ${acc(3, 48)}
              ${step(64)}
              (br $l16)))
            (block $d4 (loop $l4
              (br_if $d4 (i32.ge_u (local.get $ap) (local.get $end4)))
              ${acc(0, 0)}
              ${step(16)}
              (br $l4)))
            (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
            (local.set $s (f32.add
              (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
              (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
            (block $d1 (loop $l1
              (br_if $d1 (i32.ge_u (local.get $ap) (local.get $end)))
              (local.set $s (f32.add (local.get $s) (f32.mul (f32.load (local.get $ap)) (f32.load (local.get $bp)))))
              ${step(4)}
              (br $l1)))
            (f32.store
              (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2)))
              (local.get $s))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols))))`;
}

function mmNn(relaxed: boolean): string {
  return `
  (func (export "mm_nn")
    (param $a i32) (param $b i32) (param $c i32) (param $m i32) (param $k i32) (param $n i32)
    (local $i i32) (local $t i32) (local $cp i32) (local $ce i32) (local $ce4 i32) (local $q i32) (local $bp i32)
    (local $rowBytes i32) (local $x f32) (local $xs v128)
    (local.set $rowBytes (i32.shl (local.get $n) (i32.const 2)))
    (block $rows_done
      (loop $rows
        (br_if $rows_done (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $cp (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $rowBytes))))
        (local.set $ce (i32.add (local.get $cp) (local.get $rowBytes)))
        (local.set $ce4 (i32.add (local.get $cp) (i32.and (local.get $rowBytes) (i32.const -16))))
        (local.set $q (local.get $cp))
        (block $z4 (loop $lz4
          (br_if $z4 (i32.ge_u (local.get $q) (local.get $ce4)))
          (v128.store (local.get $q) ${ZERO})
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br $lz4)))
        (block $z1 (loop $lz1
          (br_if $z1 (i32.ge_u (local.get $q) (local.get $ce)))
          (f32.store (local.get $q) (f32.const 0))
          (local.set $q (i32.add (local.get $q) (i32.const 4)))
          (br $lz1)))
        (local.set $t (i32.const 0))
        (block $ks_done
          (loop $ks
            (br_if $ks_done (i32.ge_u (local.get $t) (local.get $k)))
            (local.set $x (f32.load (i32.add (local.get $a)
              (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t)) (i32.const 2)))))
            (local.set $xs (f32x4.splat (local.get $x)))
            (local.set $bp (i32.add (local.get $b) (i32.mul (local.get $t) (local.get $rowBytes))))
            (local.set $q (local.get $cp))
            (block $d4 (loop $l4
              (br_if $d4 (i32.ge_u (local.get $q) (local.get $ce4)))
              (v128.store (local.get $q) ${madd(relaxed, '(local.get $xs)', '(v128.load (local.get $bp))', '(v128.load (local.get $q))')})
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 16)))
              (br $l4)))
            (block $d1 (loop $l1
              (br_if $d1 (i32.ge_u (local.get $q) (local.get $ce)))
              (f32.store (local.get $q) (f32.add (f32.load (local.get $q)) (f32.mul (local.get $x) (f32.load (local.get $bp)))))
              (local.set $q (i32.add (local.get $q) (i32.const 4)))
              (local.set $bp (i32.add (local.get $bp) (i32.const 4)))
              (br $l1)))
            (local.set $t (i32.add (local.get $t) (i32.const 1)))
            (br $ks)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rows))))`;
}

/** The whole module for one build. */
export function rowsMatMulWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${mmNt(build.relaxed)}${mmNn(build.relaxed)}${transposeFunc(false)}${gemmFuncs(build.relaxed)}
)
`;
}
