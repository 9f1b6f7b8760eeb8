/**
 * WebAssembly text of one AdamW update over a parameter and its two moments (assembled by
 * src/quant/kernels/wasm/assemble.node.ts into `adamw-modules.generated.ts`, run by `adamw-wasm.ts`):
 * `adamw(p, m, v, g, pOut, mOut, vOut, count, b1, oneMinusB1, b2, oneMinusB2, decay, sqrtBc2, eps, stepSize)`,
 * byte offsets and f32 scalars, every element computed with the same f32 operations in the same order as the
 * composite ops of src/train/adamw.ts, so the result is identical to theirs:
 *   m' = m·b1 + g·(1−b1);  v' = v·b2 + (g·g)·(1−b2);  p' = p·decay − (m' / (√v' / √bc2 + eps))·stepSize
 * (decay = 1 − lr·wd, or exactly 1 without weight decay). Four lanes at a time, then a scalar tail.
 */
import { lanesThenTail, memoryImport, type WasmBuild } from './wasm-kernel-module';

/** The update of one element (or four lanes) in WAT, `t` the type prefix (f32 or f32x4), `at` the load/store. */
function update(t: 'f32' | 'f32x4', s: (name: string) => string): string {
  const load = (ptr: string) => (t === 'f32' ? `(f32.load (local.get ${ptr}))` : `(v128.load (local.get ${ptr}))`);
  const store = (ptr: string, v: string) =>
    t === 'f32' ? `(f32.store (local.get ${ptr}) ${v})` : `(v128.store (local.get ${ptr}) ${v})`;
  const g = load('$g');
  return `
        (local.set ${s('m')} (${t}.add (${t}.mul ${load('$m')} ${s('b1')}) (${t}.mul ${g} ${s('c1')})))
        (local.set ${s('v')} (${t}.add (${t}.mul ${load('$v')} ${s('b2')}) (${t}.mul (${t}.mul ${g} ${g}) ${s('c2')})))
        ${store('$mo', `(local.get ${s('m')})`)}
        ${store('$vo', `(local.get ${s('v')})`)}
        ${store(
          '$po',
          `(${t}.sub (${t}.mul ${load('$p')} ${s('decay')})
            (${t}.mul (${t}.div (local.get ${s('m')}) (${t}.add (${t}.div (${t}.sqrt (local.get ${s('v')})) ${s('sq')}) ${s('eps')})) ${s('step')}))`,
        )}`;
}

const POINTERS = ['$p', '$m', '$v', '$g', '$po', '$mo', '$vo'];

function adamwFunc(): string {
  const splat = (name: string, param: string) => `(local.set $x${name} (f32x4.splat (local.get ${param})))`;
  const vec = (name: string) => (['m', 'v'].includes(name) ? `$x${name}` : `(local.get $x${name})`);
  const one = (name: string) => (['m', 'v'].includes(name) ? `$s${name}` : `(local.get $${name})`);
  return `
  (func (export "adamw")
    (param $p i32) (param $m i32) (param $v i32) (param $g i32) (param $po i32) (param $mo i32) (param $vo i32)
    (param $count i32) (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $decay f32)
    (param $sq f32) (param $eps f32) (param $step f32)
    (local $end i32) (local $sm f32) (local $sv f32)
    (local $xm v128) (local $xv v128) (local $xb1 v128) (local $xc1 v128) (local $xb2 v128) (local $xc2 v128)
    (local $xdecay v128) (local $xsq v128) (local $xeps v128) (local $xstep v128)
    ${splat('b1', '$b1')} ${splat('c1', '$c1')} ${splat('b2', '$b2')} ${splat('c2', '$c2')}
    ${splat('decay', '$decay')} ${splat('sq', '$sq')} ${splat('eps', '$eps')} ${splat('step', '$step')}${lanesThenTail(
      '$p',
      POINTERS,
      update('f32x4', vec),
      update('f32', one),
    )})`;
}

/** The whole module for one build (the update has no relaxed form: the two builds are the same code). */
export function adamwWat(build: WasmBuild): string {
  return `(module
  ${memoryImport(build)}${adamwFunc()}
)
`;
}
