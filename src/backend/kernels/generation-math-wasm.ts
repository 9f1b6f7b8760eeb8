/**
 * Loads generation's SIMD exponentials (and RoPE, which training runs too) (`generation-math-wat.ts`, assembled into
 * `generation-math-modules.generated.ts`) against tfjs-wasm's heap, once per heap; null without wasm SIMD (callers
 * then compute in JS).
 */
import { GENERATION_MATH_MODULES } from './generation-math-modules.generated';
import { backendMemory, readWasmInternals } from './wasm-heap-views';
import { instantiateKernels } from './wasm-kernel-module';

export interface GenerationMath {
  /** out = silu(gate) ⊙ up over the first count − count mod 4 floats (byte offsets). */
  swiglu(gate: number, up: number, out: number, count: number): void;
  /** p[i] = e^(p[i] − shift) over the first count − count mod 4 floats at byte offset p; returns their sum. */
  exp_shift_sum(p: number, count: number, shift: number): number;
  /** y = RMSNorm(x)·w over `rows` rows of `dim` floats, dim a multiple of 4 (byte offsets; see the WAT). */
  rms_norm(x: number, w: number, y: number, rows: number, dim: number, eps: number): void;
  /** dx of RMSNorm(x)·w for dy, rows as `rms_norm`'s (rms-norm-wat.ts). */
  rms_norm_grad(x: number, w: number, dy: number, dx: number, rows: number, dim: number, eps: number): void;
  /** RoPE of `rows` token rows of `heads` vectors of `dim` floats (dim a multiple of 8; see rope-wasm.ts). */
  rope_rows(
    x: number,
    cos: number,
    sin: number,
    y: number,
    rows: number,
    heads: number,
    dim: number,
    pre: number,
    post: number,
    sign: number,
  ): void;
}

const loaded = new WeakMap<WebAssembly.Memory, GenerationMath | null>();

/** The kernels bound to this wasm backend's heap, or null (not tfjs-wasm 4.x, or no SIMD). */
export function generationMath(backend: object): GenerationMath | null {
  const b = readWasmInternals(backend);
  const memory = b ? backendMemory(b) : null;
  if (!memory) return null;
  if (!loaded.has(memory))
    loaded.set(memory, instantiateKernels<GenerationMath>(GENERATION_MATH_MODULES, memory)?.exports ?? null);
  return loaded.get(memory) ?? null;
}
