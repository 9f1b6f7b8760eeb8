/**
 * The element-wise passes of lora-path-wat.ts (assembled into `lora-path-modules.generated.ts`) on tfjs-wasm's heap,
 * loaded once per heap: the one-op LoRA path's dropout and add (lora-delta-wasm.ts) and gradient clipping's scale
 * (scale-all-wasm.ts).
 */
import { LORA_PATH_MODULES } from './lora-path-modules.generated';
import { backendMemory, readWasmInternals, type WasmBackendInternals } from './wasm-heap-views';
import { instantiateKernels } from './wasm-kernel-module';

/** The passes (byte offsets; see lora-path-wat.ts). */
export interface LoraPathKernels {
  dropout_mul(src: number, dst: number, groups: number, state: number, threshold: number, keep: number): void;
  add_to(y: number, t: number, count: number): void;
  scale_to(src: number, dst: number, count: number, s: number): void;
}

/** A backend's internals, its heap and the passes loaded on it. */
export interface LoraPathOnHeap {
  b: WasmBackendInternals;
  memory: WebAssembly.Memory;
  path: LoraPathKernels;
}

const loaded = new WeakMap<WebAssembly.Memory, LoraPathKernels | null>();

/** The passes on `backend`'s heap, or null (not tfjs-wasm 4.x, or no wasm SIMD). */
export function loraPathOn(backend: unknown): LoraPathOnHeap | null {
  const b = readWasmInternals(backend);
  const memory = b ? backendMemory(b) : null;
  if (!b || !memory) return null;
  if (!loaded.has(memory))
    loaded.set(memory, instantiateKernels<LoraPathKernels>(LORA_PATH_MODULES, memory)?.exports ?? null);
  const path = loaded.get(memory);
  return path ? { b, memory, path } : null;
}
