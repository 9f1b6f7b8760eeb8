/**
 * Views into the wasm backend's heap and a direct call of its XNNPACK matMul on them.
 *
 * tfjs-backend-wasm keeps every tensor in one linear memory and names it to C++ by an integer id
 * (`register_tensor(id, size, offset)`). A view is such an id registered on a range inside an existing tensor:
 * it lets one batch slice of a batched tensor, or a batch folded into rows, go to XNNPACK without a copy. Views
 * live only on the C++ side (never in the JS `dataIdMap`, whose dispose would `free` their memory), and are
 * released with `dispose_data`, which also deletes the XNNPACK operator that tfjs caches per `b` id.
 *
 * This reaches into package internals (`wasm`, `dataIdMap`, `dataIdNextNumber`, the exported C `BatchMatMul`) that
 * are stable across tfjs 4.x but not public API; `readWasmInternals` checks them and the override is skipped when
 * they are missing (see `register-wasm.ts`).
 */
import { tf } from '../tf';

const BYTES_PER_FLOAT = 4;

/** The parts of tfjs-backend-wasm's `BackendWasm` this file uses. */
export interface WasmBackendInternals {
  wasm: {
    cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The part of tfjs-wasm's backend a kernel written over heap views uses: allocate its output, view a tensor. */
export interface HeapBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

/** `backend` as the wasm internals, or null when it does not look like tfjs-backend-wasm 4.x. */
export function readWasmInternals(backend: unknown): WasmBackendInternals | null {
  const b = backend as Partial<WasmBackendInternals> | null;
  if (!b || typeof b.dataIdNextNumber !== 'number' || !b.dataIdMap || typeof b.makeOutput !== 'function') return null;
  const w = b.wasm;
  if (!w || typeof w.cwrap !== 'function' || typeof w.tfjs?.registerTensor !== 'function') return null;
  return b as WasmBackendInternals;
}

interface WasmModuleMemory {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

/** tfjs-wasm's linear memory: `wasmMemory` on the threaded build, the exported `memory` on the others. */
export function backendMemory(b: WasmBackendInternals): WebAssembly.Memory | null {
  const m = b.wasm as unknown as WasmModuleMemory;
  const memory = m.wasmMemory ?? m.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

type CMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

// One cwrap per backend instance (a new backend is a new wasm module).
const cMatMuls = new WeakMap<object, CMatMul>();

function cMatMul(backend: WasmBackendInternals): CMatMul {
  let fn = cMatMuls.get(backend);
  if (!fn) {
    // Same signature tfjs's own BatchMatMul kernel wraps: ids, shape bytes, ranks, flags, output id.
    const types = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
    fn = backend.wasm.cwrap('BatchMatMul', null, types) as unknown as CMatMul;
    cMatMuls.set(backend, fn);
  }
  return fn;
}

const shapeBytes = (shape: number[]): Uint8Array => new Uint8Array(new Int32Array(shape).buffer);

/** Byte offset of a tensor's data in the wasm heap. */
export function heapOffset(backend: WasmBackendInternals, t: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new Error('wasm matMul: tensor is not on the wasm backend');
  return data.memoryOffset;
}

/**
 * Views registered for one kernel call. Every id handed out by {@link HeapViews.view} is released by
 * {@link HeapViews.release}, which the caller must reach (try/finally).
 */
export class HeapViews {
  private readonly ids: number[] = [];

  constructor(private readonly backend: WasmBackendInternals) {}

  /** Registers `size` floats starting `elementOffset` floats after `baseOffset` (bytes); returns the C++ id. */
  view(baseOffset: number, elementOffset: number, size: number): number {
    const id = this.backend.dataIdNextNumber++;
    this.backend.wasm.tfjs.registerTensor(id, size, baseOffset + elementOffset * BYTES_PER_FLOAT);
    this.ids.push(id);
    return id;
  }

  /** Unregisters every view (never frees memory: the views' tensors own it). */
  release(): void {
    for (const id of this.ids) this.backend.wasm.tfjs.disposeData(id);
    this.ids.length = 0;
  }
}

/**
 * out[rows, n] = a[rows, k] · b[k, n] on XNNPACK, all three given as C++ ids of contiguous row-major float32
 * ranges. `b` must be an id used for this product only (a view): tfjs caches the packed operator under it.
 */
export function xnnMatMul(
  backend: WasmBackendInternals,
  ids: { a: number; b: number; out: number },
  rows: number,
  k: number,
  n: number,
): void {
  const aShape = [1, rows, k];
  const bShape = [1, k, n];
  cMatMul(backend)(ids.a, shapeBytes(aShape), 3, ids.b, shapeBytes(bShape), 3, false, false, ids.out);
}
