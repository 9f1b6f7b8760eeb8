/**
 * WebAssembly text of silu(gate) ⊙ up for generation's fused SwiGLU (generation-ops-wasm.ts), assembled by
 * src/quant/kernels/wasm/assemble.node.ts into `swiglu-modules.generated.ts`. JS spent ~15 ns per element in
 * Math.exp (46 k elements per SmolLM2-135M decode step: 0.7 ms); here four lanes at a time:
 *
 *   silu(g)·u = g·u / (1 + e^(−g)),   e^t = 2^n · p(r),  n = round(t·log₂e),  r = t − n·ln 2 (in two parts)
 *
 * with Cephes' degree-7 expf polynomial (about 1 ulp on [−ln2/2, ln2/2]) and t clamped to ±88 (e^88 is finite in
 * f32; past it silu is g·u or 0 to f32 precision anyway). `swiglu(gate, up, out, n)` covers the first n − n mod 4
 * elements; the caller finishes the tail.
 */
import { memoryImport, type WasmBuild } from './wasm-kernel-module';

const splat = (v: number) => `(f32x4.splat (f32.const ${v}))`;

/** e^t for t in a v128 local `$t` (already clamped), into `$e`. */
const EXP = `
      (local.set $n (f32x4.nearest (f32x4.mul (local.get $t) ${splat(1.4426950408889634)})))
      (local.set $r (f32x4.sub (f32x4.sub (local.get $t)
        (f32x4.mul (local.get $n) ${splat(0.693359375)})) (f32x4.mul (local.get $n) ${splat(-2.1219444e-4)})))
      (local.set $p ${splat(1.98756915e-4)})
      ${[1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1]
        .map((c) => `(local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) ${splat(c)}))`)
        .join('\n      ')}
      (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r)))
        (local.get $r)) ${splat(1)}))
      (local.set $e (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))`;

function swiglu(): string {
  return `
  (func (export "swiglu") (param $gate i32) (param $up i32) (param $out i32) (param $count i32)
    (local $end i32) (local $g v128) (local $t v128) (local $n v128) (local $r v128) (local $p v128) (local $e v128)
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

/** The whole module for one build (no relaxed instructions: both builds are the same code). */
export function swigluWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${swiglu()}
)
`;
}
