/**
 * WebAssembly text of the element-wise passes of the one-kernel LoRA path (`lora-delta-wasm.ts`; assembled by
 * src/quant/kernels/wasm/assemble.node.ts into `lora-path-modules.generated.ts`):
 * - `dropout_mul(src, dst, vectors, state, threshold, keep)`: dst = src ⊙ mask over `vectors` × 4 floats, the mask
 *   made on the fly by four xorshift128 lanes (src/util/dropout-stream.ts, whose JS makes the same values): lane
 *   words a, b, c, d as four v128 at `state`, written back when done; 0 where the word is below `threshold`
 *   (unsigned), `keep` elsewhere. `src` may be `dst`.
 * - `add_to(y, t, count)`: t += y over `count` floats (four lanes, then a scalar tail).
 * Byte offsets throughout. Neither has a relaxed form: both builds are the same code.
 */
import { memoryImport, type WasmBuild } from './wasm-kernel-module';

const v = (name: string) => `(local.get $${name})`;

function dropoutMulFunc(): string {
  const word = (name: string, offset: number) => `(local.set $${name} (v128.load offset=${offset} (local.get $state)))`;
  const keepWord = (name: string, offset: number) => `(v128.store offset=${offset} (local.get $state) ${v(name)})`;
  return `
  (func (export "dropout_mul")
    (param $src i32) (param $dst i32) (param $vectors i32) (param $state i32) (param $threshold i32) (param $keep f32)
    (local $end i32) (local $a v128) (local $b v128) (local $c v128) (local $d v128) (local $t v128)
    (local $limit v128) (local $kept v128)
    ${word('a', 0)} ${word('b', 16)} ${word('c', 32)} ${word('d', 48)}
    (local.set $limit (i32x4.splat (local.get $threshold)))
    (local.set $kept (f32x4.splat (local.get $keep)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $vectors) (i32.const 4))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        ;; t = a ^ (a << 11); a = b; b = c; c = d; d = d ^ (d >>> 19) ^ (t ^ (t >>> 8))
        (local.set $t (v128.xor ${v('a')} (i32x4.shl ${v('a')} (i32.const 11))))
        (local.set $a ${v('b')})
        (local.set $b ${v('c')})
        (local.set $c ${v('d')})
        (local.set $d (v128.xor (v128.xor ${v('d')} (i32x4.shr_u ${v('d')} (i32.const 19)))
                                (v128.xor ${v('t')} (i32x4.shr_u ${v('t')} (i32.const 8)))))
        ;; mask = keep where d ≥ threshold (unsigned), else 0: keep & ~(d < threshold)
        (v128.store (local.get $dst)
          (f32x4.mul (v128.load (local.get $src)) (v128.andnot ${v('kept')} (i32x4.lt_u ${v('d')} ${v('limit')}))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $next)))
    ${keepWord('a', 0)} ${keepWord('b', 16)} ${keepWord('c', 32)} ${keepWord('d', 48)})`;
}

function addToFunc(): string {
  return `
  (func (export "add_to") (param $y i32) (param $t i32) (param $count i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $t) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get $t) (local.get $end)))
        (v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (v128.load (local.get $y))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $t (i32.add (local.get $t) (i32.const 16)))
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $t) (local.get $end)))
        (f32.store (local.get $t) (f32.add (f32.load (local.get $t)) (f32.load (local.get $y))))
        (local.set $y (i32.add (local.get $y) (i32.const 4)))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (br $tail))))`;
}

/** The whole module for one build. */
export function loraPathWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${dropoutMulFunc()}${addToFunc()}
)
`;
}
