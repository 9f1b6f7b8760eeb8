/**
 * Uniform access to tensor memory on the two host backends. cpu keeps plain typed arrays (readSync is
 * zero-copy); wasm keeps tensors in its heap, where `typedArrayFromHeap` is zero-copy but a view is invalidated
 * whenever the heap grows, so callers take views after their last allocation.
 */
import type { tf } from '../../../backend/tf';

type TypedArray = Float32Array | Int32Array;

interface CpuLike {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}
interface WasmLike {
  typedArrayFromHeap(t: tf.TensorInfo): TypedArray;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** Tensor memory access for one host backend. */
export interface HostIO {
  /** A float32 tensor of `shape` (zero-filled on cpu, uninitialised on wasm: callers write every element). */
  alloc(shape: number[]): tf.TensorInfo;
  /** The elements of `t` (zero-copy); take it again after any `alloc`. */
  view(t: tf.TensorInfo): TypedArray;
  dispose(t: tf.TensorInfo): void;
}

const made = new WeakMap<object, HostIO>();

/**
 * HostIO for a cpu or wasm backend instance, made once per backend: a decode step calls the packed kernels ~30
 * times at the demo's widths, where three fresh closures a call showed in its profile.
 */
export function hostIO(backend: object): HostIO {
  let io = made.get(backend);
  if (!io) made.set(backend, (io = makeHostIO(backend)));
  return io;
}

function makeHostIO(backend: object): HostIO {
  if ('typedArrayFromHeap' in backend) {
    const b = backend as WasmLike;
    return {
      alloc: (shape) => b.makeOutput(shape, 'float32'),
      view: (t) => b.typedArrayFromHeap(t),
      dispose: (t) => void b.disposeData(t.dataId),
    };
  }
  if ('readSync' in backend && 'makeTensorInfo' in backend) {
    const b = backend as CpuLike;
    return {
      alloc: (shape) => b.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, d) => a * d, 1))),
      view: (t) => b.readSync(t.dataId) as TypedArray,
      dispose: (t) => void b.disposeData(t.dataId),
    };
  }
  throw new Error('quant host kernel: backend is neither cpu nor wasm');
}
