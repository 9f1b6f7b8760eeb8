/**
 * Per-call workspace of our wasm kernels on tfjs-wasm's heap, without a tensor per call. A decode step makes ~200
 * packed GEMV calls; allocating and disposing a scratch tensor in each, and wrapping fresh typed arrays around the
 * heap, cost ~10 µs per call in JS and GC (SmolLM2-135M int4: ~2 ms of a ~15 ms step). Instead each backend keeps
 * one region from the heap's own allocator, grown when a call needs more and never freed while the backend lives
 * (a few hundred KB at most: 16 rows of x at Llama-3.2-1B's 8192 columns), and each heap one set of views, renewed
 * only when the heap grows (growth replaces the buffer and detaches old views).
 */
import type { WasmBackendInternals } from './wasm-heap-views';

/** tfjs-wasm's Emscripten allocator (the module's exports; `BackendWasm.write` uses the same). */
interface HeapAllocator {
  _malloc(bytes: number): number;
  _free(offset: number): void;
}

/** Each backend's region: the allocator's pointer, the 16-byte-aligned start inside it, and its usable bytes. */
const regions = new WeakMap<object, { raw: number; offset: number; bytes: number }>();

/**
 * Byte offset (16-byte aligned, for the kernels' v128 loads) of at least `bytes` of scratch owned by `b`'s heap:
 * valid until the next call for the same backend, which may move it. Null when the backend exposes no allocator.
 */
export function heapScratch(b: WasmBackendInternals, bytes: number): number | null {
  const heap = b.wasm as unknown as Partial<HeapAllocator>;
  if (typeof heap._malloc !== 'function' || typeof heap._free !== 'function') return null;
  const held = regions.get(b);
  if (held && held.bytes >= bytes) return held.offset;
  if (held) heap._free(held.raw);
  const size = Math.max(bytes, 2 * (held?.bytes ?? 0), 64 * 1024);
  const raw = heap._malloc(size + 16) >>> 0; // `>>> 0`: pointers above 2 GB, as BackendWasm.write does
  if (raw === 0) throw new Error(`wasm kernels: the heap could not give ${size} bytes of scratch`);
  const offset = Math.ceil(raw / 16) * 16;
  regions.set(b, { raw, offset, bytes: size });
  return offset;
}

/** Typed views of a whole heap, renewed when the heap's buffer changes. */
export interface HeapArrays {
  buffer: ArrayBufferLike;
  f32: Float32Array;
  i32: Int32Array;
  i16: Int16Array;
  i8: Int8Array;
}

const views = new WeakMap<WebAssembly.Memory, HeapArrays>();

/** Views of `memory`'s current buffer (cached until it grows). */
export function heapArrays(memory: WebAssembly.Memory): HeapArrays {
  const buffer = memory.buffer;
  const held = views.get(memory);
  if (held && held.buffer === buffer) return held;
  // A shared memory may answer with a new SharedArrayBuffer object each time: reuse views of the same length.
  if (held && held.buffer.byteLength === buffer.byteLength && held.buffer instanceof SharedArrayBuffer) return held;
  const fresh = {
    buffer,
    f32: new Float32Array(buffer),
    i32: new Int32Array(buffer),
    i16: new Int16Array(buffer),
    i8: new Int8Array(buffer),
  };
  views.set(memory, fresh);
  return fresh;
}
