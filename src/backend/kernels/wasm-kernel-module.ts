/**
 * Our own WebAssembly kernel modules (WAT assembled at build time into base64 maps, see
 * src/quant/kernels/wasm/assemble.node.ts), instantiated against a given linear memory — normally tfjs-backend-wasm's
 * own, so the kernels read and write the tensors where they already are. Each module ships in four builds: memory
 * shared or not (tfjs's threaded build has a shared memory, and an imported memory must match its declaration),
 * relaxed SIMD or plain SIMD (relaxed where the engine validates it, e.g. Chromium 114+; not Node 20).
 */

/** Which build of a module. */
export interface WasmBuild {
  shared: boolean;
  relaxed: boolean;
}

export const WASM_BUILDS: readonly WasmBuild[] = [
  { shared: false, relaxed: false },
  { shared: false, relaxed: true },
  { shared: true, relaxed: false },
  { shared: true, relaxed: true },
];

export type WasmFlavour = 'relaxed' | 'simd';

/** Key of a build in a generated module map. */
export function buildKey(b: WasmBuild): string {
  return `${b.shared ? 'shared' : 'unshared'}-${b.relaxed ? 'relaxed' : 'simd'}`;
}

/** The memory import of a build's WAT. */
export function memoryImport(b: WasmBuild): string {
  return `(import "env" "memory" ${b.shared ? '(memory 1 65536 shared)' : '(memory 1)'})`;
}

/** `acc + a·b` as WAT: fused (relaxed) or mul then add. */
export function madd(relaxed: boolean, a: string, b: string, acc: string): string {
  return relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${acc})` : `(f32x4.add ${acc} (f32x4.mul ${a} ${b}))`;
}

/**
 * The loop of an element-wise pass over `count` floats (the function's `$count` param; it declares `$end` as i32):
 * four lanes a step, then a scalar tail. `end` is the pointer the bound is taken from; `pointers` advance together
 * (in that order) by 16 bytes a step, then by 4. Used by the LoRA path's passes and AdamW's update.
 */
export function lanesThenTail(end: string, pointers: readonly string[], vector: string, scalar: string): string {
  const advance = (bytes: number) =>
    pointers.map((q) => `(local.set ${q} (i32.add (local.get ${q}) (i32.const ${bytes})))`).join('\n        ');
  return `
    (local.set $end (i32.add (local.get ${end}) (i32.shl (i32.and (local.get $count) (i32.const -4)) (i32.const 2))))
    (block $vec_done
      (loop $vec
        (br_if $vec_done (i32.ge_u (local.get ${end}) (local.get $end)))
        ${vector}
        ${advance(16)}
        (br $vec)))
    (local.set $end (i32.add (local.get $end) (i32.shl (i32.and (local.get $count) (i32.const 3)) (i32.const 2))))
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get ${end}) (local.get $end)))
        ${scalar}
        ${advance(4)}
        (br $tail)))`;
}

function bytesOf(modules: Record<string, string>, key: string): Uint8Array<ArrayBuffer> {
  const b64 = modules[key];
  if (!b64) throw new Error(`wasm kernels: no module '${key}'`);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/** Whether this engine compiles the relaxed-SIMD build of `modules`. */
export function relaxedBuildValid(modules: Record<string, string>): boolean {
  return WebAssembly.validate(bytesOf(modules, 'unshared-relaxed'));
}

/**
 * The exports of `modules` instantiated on `memory` (relaxed SIMD when the engine has it, else plain SIMD; `prefer`
 * forces one), with the flavour that runs; null when the engine has no SIMD at all. Not cached: callers keep one
 * instance per memory.
 */
export function instantiateKernels<T>(
  modules: Record<string, string>,
  memory: WebAssembly.Memory,
  prefer?: WasmFlavour,
): { flavour: WasmFlavour; exports: T; bytes: Uint8Array } | null {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  for (const flavour of prefer ? [prefer] : (['relaxed', 'simd'] as const)) {
    const bytes = bytesOf(modules, buildKey({ shared, relaxed: flavour === 'relaxed' }));
    if (!WebAssembly.validate(bytes)) continue;
    // Synchronous compile: the modules are a few KB (browsers refuse sync compiles only above 4 KB on the main thread).
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
    return { flavour, exports: instance.exports as unknown as T, bytes };
  }
  return null;
}
