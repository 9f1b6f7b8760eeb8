/**
 * The WebAssembly text of the packed base's many-row path (prefill, the training forward and the input gradient;
 * assembled by `assemble.node.ts` into `dequant-modules.generated.ts`, loaded by `dequant-wasm.ts`): W is decoded
 * block by block into f32 on tfjs-wasm's heap for XNNPACK, and the operands are re-laid out around the product.
 * - `dequant_<mode>(w, s, dst, rows, rowBytes, groups, groupBytes)`: rows of W (packed as in `packed.ts`, `w`
 *   and `s` at the first row's words and scales) to f32 [rows, paddedIn] at `dst`, padded columns exactly 0.
 *   Each value is code × scale rounded once to f32 (nf4: f32(level) × scale), the reference `dequantize`'s value
 *   bit for bit. 16 bytes of codes per step: int8 widened i8 → i16 → i32 → f32; int4 nibbles split by mask and
 *   shift (x86 has no 8-bit shifts), interleaved back into column order, offset by −8; nf4 levels looked up with
 *   one `i8x16.swizzle` per byte plane of the f32 level table and reassembled into f32 lanes.
 * - `dequant_f16(w, dst, halves)`: f16 (no scales; rows padded to 32 columns, so whole rows are contiguous
 *   halves) to f32 exactly, by bit arithmetic (no f16 instructions in wasm SIMD).
 * - `transpose(src, dst, rows, cols, srcStride, dstStride)`: dst[c·dstStride + r] = src[r·srcStride + c], and
 *   `transpose_add` (+=): 4×4 tiles by eight shuffles in cache-sized bands, scalar edges. Strides in floats,
 *   addresses in bytes.
 * Relaxed and plain builds are the same code (nothing here is relaxed); both exist for the loader's uniformity.
 */
import { NF4_LEVELS } from '../../levels';
import { memoryImport, type WasmBuild } from '../../../backend/kernels/wasm-kernel-module';
import { transposeFunc } from '../../../backend/kernels/transpose-wat';

type DequantMode = 'int8' | 'int4' | 'nf4';

const seq = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);
const splat8 = (n: number): string => `(v128.const i8x16 ${Array(16).fill(n).join(' ')})`;
/** Lanes `from`..`from + 7` of a and b interleaved byte by byte: a[from], b[from], a[from + 1], … */
const interleaveBytes = (from: number): string =>
  seq(from, from + 8)
    .flatMap((i) => [i, i + 16])
    .join(' ');

/** Stores the 16 signed bytes of `v` as 16 f32 (× the group scale) at `$dp + off`. */
function storeI8x16(v: string, off: number): string {
  const ext = (half: 'low' | 'high', i16: string) =>
    `(f32x4.mul (f32x4.convert_i32x4_s (i32x4.extend_${half}_i16x8_s ${i16})) (local.get $scale))`;
  return [
    `(local.set $lo16 (i16x8.extend_low_i8x16_s ${v}))`,
    `(local.set $hi16 (i16x8.extend_high_i8x16_s ${v}))`,
    `(v128.store offset=${off} (local.get $dp) ${ext('low', '(local.get $lo16)')})`,
    `(v128.store offset=${off + 16} (local.get $dp) ${ext('high', '(local.get $lo16)')})`,
    `(v128.store offset=${off + 32} (local.get $dp) ${ext('low', '(local.get $hi16)')})`,
    `(v128.store offset=${off + 48} (local.get $dp) ${ext('high', '(local.get $hi16)')})`,
  ].join('\n          ');
}

/** Byte `b` (little-endian) of every NF4 level as f32, a 16-lane table for `i8x16.swizzle`. */
function levelPlane(b: number): string {
  const bytes = new Uint8Array(Float32Array.from(NF4_LEVELS).buffer);
  return `(v128.const i8x16 ${seq(0, 16)
    .map((k) => bytes[4 * k + b])
    .join(' ')})`;
}

/** Stores the NF4 levels of the 16 nibble indices in `idx` (× the group scale) as 16 f32 at `$dp + off`. */
function storeNf4(idx: string, off: number): string {
  const out = [`(local.set $n ${idx})`];
  for (let b = 0; b < 4; b++) out.push(`(local.set $p${b} (i8x16.swizzle ${levelPlane(b)} (local.get $n)))`);
  for (let half = 0; half < 2; half++) {
    // (p0[i], p1[i]) and (p2[i], p3[i]) pairs for lanes 8·half … 8·half + 7, then whole f32 lanes from them.
    out.push(`(local.set $q01 (i8x16.shuffle ${interleaveBytes(8 * half)} (local.get $p0) (local.get $p1)))`);
    out.push(`(local.set $q23 (i8x16.shuffle ${interleaveBytes(8 * half)} (local.get $p2) (local.get $p3)))`);
    for (let w = 0; w < 2; w++) {
      const pick = seq(4 * w, 4 * w + 4)
        .flatMap((i) => [2 * i, 2 * i + 1, 2 * i + 16, 2 * i + 17])
        .join(' ');
      const levels = `(i8x16.shuffle ${pick} (local.get $q01) (local.get $q23))`;
      out.push(
        `(v128.store offset=${off + 32 * half + 16 * w} (local.get $dp) (f32x4.mul ${levels} (local.get $scale)))`,
      );
    }
  }
  return out.join('\n          ');
}

const NIBBLES = splat8(15);

/** One 16-byte step: 16 codes (int8) or 32 (int4, nf4) from `$wp` to floats at `$dp`, which it advances. */
function step(mode: DequantMode): string {
  const load = `(local.set $v (v128.load (local.get $wp)))`;
  if (mode === 'int8') return [load, storeI8x16('(local.get $v)', 0), advanceDst(64)].join('\n          ');
  // Byte j holds column 2j (low nibble) and 2j + 1 (high): split, then interleave back into column order.
  const split = [
    load,
    ...(mode === 'int4'
      ? // c + 8 (0..15) in every nibble, so the split below is unsigned; the −8 comes after the interleave.
        [`(local.set $v (v128.xor (local.get $v) ${splat8(0x88)}))`]
      : []),
    `(local.set $lo (v128.and (local.get $v) ${NIBBLES}))`,
    `(local.set $hi (v128.and (i16x8.shr_u (local.get $v) (i32.const 4)) ${NIBBLES}))`,
  ];
  const cols = (from: number) => `(i8x16.shuffle ${interleaveBytes(from)} (local.get $lo) (local.get $hi))`;
  const store =
    mode === 'int4'
      ? [0, 8].map((from, k) => storeI8x16(`(i8x16.sub ${cols(from)} ${splat8(8)})`, 64 * k))
      : [0, 8].map((from, k) => storeNf4(cols(from), 64 * k));
  return [...split, ...store, advanceDst(128)].join('\n          ');
}

const advanceDst = (bytes: number): string => `(local.set $dp (i32.add (local.get $dp) (i32.const ${bytes})))`;

function dequantFunc(mode: DequantMode): string {
  return `
  (func (export "dequant_${mode}")
    (param $w i32) (param $s i32) (param $dst i32) (param $rows i32) (param $rowBytes i32) (param $groups i32)
    (param $groupBytes i32)
    (local $wp i32) (local $wend i32) (local $dp i32) (local $sp i32) (local $send i32)
    (local $scale v128) (local $v v128) (local $lo v128) (local $hi v128) (local $lo16 v128) (local $hi16 v128)
    (local $n v128) (local $p0 v128) (local $p1 v128) (local $p2 v128) (local $p3 v128) (local $q01 v128) (local $q23 v128)
    ;; Rows are contiguous and so are their groups: one walk over rows × groups scales and their codes.
    (local.set $wp (local.get $w))
    (local.set $dp (local.get $dst))
    (local.set $sp (local.get $s))
    (local.set $send (i32.add (local.get $s) (i32.shl (i32.mul (local.get $rows) (local.get $groups)) (i32.const 2))))
    (block $done
      (loop $group
        (br_if $done (i32.ge_u (local.get $sp) (local.get $send)))
        (local.set $scale (f32x4.splat (f32.load (local.get $sp))))
        (local.set $wend (i32.add (local.get $wp) (local.get $groupBytes)))
        (loop $steps
          ${step(mode)}
          (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
          (br_if $steps (i32.lt_u (local.get $wp) (local.get $wend))))
        (local.set $sp (i32.add (local.get $sp) (i32.const 4)))
        (br $group))))`;
}

const i32x4 = (n: number): string => `(v128.const i32x4 ${n} ${n} ${n} ${n})`;

/**
 * Four halves (u32 lanes holding the 16 bits) `$h` to f32, exactly: sign apart, exponent and mantissa shifted
 * into f32 position and scaled by 2^112 (the bias difference; right for normals and subnormals alike, a power-of-2
 * product being exact), and the all-ones exponent (±∞, NaN) mapped to f32's all-ones exponent instead.
 */
function halvesToF32(h: string): string {
  const em = `(i32x4.shl (v128.and ${h} ${i32x4(0x7fff)}) (i32.const 13))`;
  return `(v128.or
            (v128.bitselect
              (v128.or ${em} ${i32x4(0x7f800000)})
              (f32x4.mul ${em} (f32x4.splat (f32.const 0x1p112)))
              (i32x4.eq (v128.and ${h} ${i32x4(0x7c00)}) ${i32x4(0x7c00)}))
            (i32x4.shl (v128.and ${h} ${i32x4(0x8000)}) (i32.const 16)))`;
}

/** dequant_f16(w, dst, halves): `halves` (a multiple of 8) contiguous f16 values at `w` to f32 at `dst`. */
function dequantF16Func(): string {
  return `
  (func (export "dequant_f16") (param $w i32) (param $dst i32) (param $halves i32)
    (local $wp i32) (local $wend i32) (local $dp i32) (local $v v128) (local $h v128)
    (local.set $wp (local.get $w))
    (local.set $dp (local.get $dst))
    (local.set $wend (i32.add (local.get $w) (i32.shl (local.get $halves) (i32.const 1))))
    (block $done
      (loop $steps
        (br_if $done (i32.ge_u (local.get $wp) (local.get $wend)))
        (local.set $v (v128.load (local.get $wp)))
        (local.set $h (i32x4.extend_low_i16x8_u (local.get $v)))
        (v128.store (local.get $dp) ${halvesToF32('(local.get $h)')})
        (local.set $h (i32x4.extend_high_i16x8_u (local.get $v)))
        (v128.store offset=16 (local.get $dp) ${halvesToF32('(local.get $h)')})
        (local.set $wp (i32.add (local.get $wp) (i32.const 16)))
        (local.set $dp (i32.add (local.get $dp) (i32.const 32)))
        (br $steps))))`;
}

/** The whole module for one build. */
export function dequantWat(build: WasmBuild): string {
  const funcs = [
    ...(['int8', 'int4', 'nf4'] as const).map(dequantFunc),
    dequantF16Func(),
    transposeFunc(false),
    transposeFunc(true),
  ];
  return `(module
  ${memoryImport(build)}${funcs.join('')}
)
`;
}
