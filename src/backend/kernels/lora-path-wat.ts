/**
 * WebAssembly text of the element-wise passes of the one-kernel LoRA path (`lora-delta-wasm.ts`; assembled by
 * src/quant/kernels/wasm/assemble.node.ts into `lora-path-modules.generated.ts`):
 * - `dropout_mul(src, dst, groups, state, threshold, keep)`: dst = src ⊙ mask over `groups` × 8 floats, the mask
 *   made on the fly by eight xorshift128 lanes, two sets of four (src/util/dropout-stream.ts, whose JS makes the
 *   same values): each set's words a, b, c, d as four v128 at `state` (set 1 64 bytes on), written back when done;
 *   0 where the word is below `threshold` (unsigned), `keep` elsewhere. `src` may be `dst`. Two sets because one
 *   set's step is a chain of three dependent operations: with one, the loop ran at ~0.5 ns a float.
 * - `add_to(y, t, count)`: t += y over `count` floats (four lanes, then a scalar tail);
 * - `scale_to(src, dst, count, s)`: dst = src · s over `count` floats (gradient clipping's scale, scale-all-wasm.ts).
 * Byte offsets throughout. Neither has a relaxed form: both builds are the same code.
 */
import { lanesThenTail, memoryImport, type WasmBuild } from './wasm-kernel-module';

const v = (name: string) => `(local.get $${name})`;

/** One xorshift128 step of lane set `k` (a_k … d_k) and its masked product for the 4 floats at byte `offset`. */
function maskedStep(k: number, offset: number): string {
  const [a, b, c, d, t] = ['a', 'b', 'c', 'd', 't'].map((n) => `${n}${k}`);
  return `
        ;; t = a ^ (a << 11); a = b; b = c; c = d; d = d ^ (d >>> 19) ^ (t ^ (t >>> 8))
        (local.set $${t} (v128.xor ${v(a)} (i32x4.shl ${v(a)} (i32.const 11))))
        (local.set $${a} ${v(b)})
        (local.set $${b} ${v(c)})
        (local.set $${c} ${v(d)})
        (local.set $${d} (v128.xor (v128.xor ${v(d)} (i32x4.shr_u ${v(d)} (i32.const 19)))
                                (v128.xor ${v(t)} (i32x4.shr_u ${v(t)} (i32.const 8)))))
        ;; mask = keep where d ≥ threshold (unsigned), else 0: keep & ~(d < threshold)
        (v128.store offset=${offset} (local.get $dst)
          (f32x4.mul (v128.load offset=${offset} (local.get $src))
            (v128.andnot ${v('kept')} (i32x4.lt_u ${v(d)} ${v('limit')}))))`;
}

function dropoutMulFunc(): string {
  const words = ['a', 'b', 'c', 'd'];
  const each = (f: (name: string, offset: number) => string) =>
    [0, 1].flatMap((k) => words.map((w, i) => f(`${w}${k}`, 64 * k + 16 * i))).join(' ');
  return `
  (func (export "dropout_mul")
    (param $src i32) (param $dst i32) (param $groups i32) (param $state i32) (param $threshold i32) (param $keep f32)
    (local $end i32) (local $limit v128) (local $kept v128)
    ${each((name) => `(local $${name} v128)`)} (local $t0 v128) (local $t1 v128)
    ${each((name, offset) => `(local.set $${name} (v128.load offset=${offset} (local.get $state)))`)}
    (local.set $limit (i32x4.splat (local.get $threshold)))
    (local.set $kept (f32x4.splat (local.get $keep)))
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $groups) (i32.const 5))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $src) (local.get $end)))
        ;; two independent lane sets a step: each set's d is a 3-deep dependency chain
        ${maskedStep(0, 0)}
        ${maskedStep(1, 16)}
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (br $next)))
    ${each((name, offset) => `(v128.store offset=${offset} (local.get $state) ${v(name)})`)})`;
}

function addToFunc(): string {
  return `
  (func (export "add_to") (param $y i32) (param $t i32) (param $count i32)
    (local $end i32)${lanesThenTail(
      '$t',
      ['$y', '$t'],
      '(v128.store (local.get $t) (f32x4.add (v128.load (local.get $t)) (v128.load (local.get $y))))',
      '(f32.store (local.get $t) (f32.add (f32.load (local.get $t)) (f32.load (local.get $y))))',
    )})`;
}

function scaleToFunc(): string {
  return `
  (func (export "scale_to") (param $src i32) (param $dst i32) (param $count i32) (param $s f32)
    (local $end i32) (local $vs v128)
    (local.set $vs (f32x4.splat (local.get $s)))${lanesThenTail(
      '$src',
      ['$src', '$dst'],
      '(v128.store (local.get $dst) (f32x4.mul (v128.load (local.get $src)) (local.get $vs)))',
      '(f32.store (local.get $dst) (f32.mul (f32.load (local.get $src)) (local.get $s)))',
    )})`;
}

/** The whole module for one build. */
export function loraPathWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${dropoutMulFunc()}${addToFunc()}${scaleToFunc()}
)
`;
}
