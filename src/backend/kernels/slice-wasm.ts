/**
 * `Slice` and `SplitV` for the wasm backend without the whole-input copy. tfjs-backend-wasm 4.22's Slice starts
 * with `backend.readSync(x)`, which copies *all* of x out of the heap (`HEAPU8.slice`) before taking the part it
 * needs, and its SplitV calls that Slice once per part. Slicing a row block out of a big tensor therefore costs the
 * whole tensor: the LM head's input gradient takes 16 MiB row blocks of SmolLM2's 113 MB tied head
 * (`frozen-matmul.ts`), and each block copied all 113 MB (~1 s each, 3.8 s of a 7 s LoRA step, measured by
 * `bench/profile/train-step.node.ts`). Here the output is allocated first (a heap growth would detach any view
 * taken before it), then the part is copied from a view of x, run by contiguous run. Strings and rank > 4 go to
 * the stock kernel.
 */
import { tf } from '../tf';
import type { HeapBackend } from './wasm-heap-views';

/**
 * Copies the box `begin`/`size` of x (row-major, `shape`) into `out`, one `set` per contiguous run: the trailing
 * axes taken whole fold into the run, so a row block is one copy and a column block one copy per row.
 */
export function copyBox(x: tf.TypedArray, shape: number[], begin: number[], size: number[], out: tf.TypedArray): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape).concat(1); // [rank], elements
  let d = Math.max(0, rank - 1); // the outermost axis of the contiguous run
  while (d > 0 && size[d] === shape[d] && begin[d] === 0) d--;
  const run = rank === 0 ? 1 : size[d] * strides[d];
  let base = 0;
  for (let i = 0; i < rank; i++) base += begin[i] * strides[i];
  const index = new Array<number>(d).fill(0); // position in the axes before d
  const runs = size.slice(0, d).reduce((a, s) => a * s, 1);
  for (let r = 0, o = 0; r < runs; r++, o += run) {
    let off = base;
    for (let i = 0; i < d; i++) off += index[i] * strides[i];
    out.set(x.subarray(off, off + run), o);
    for (let i = d - 1; i >= 0 && ++index[i] === size[i]; i--) index[i] = 0; // odometer
  }
}

function sliceInfo(backend: HeapBackend, x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
  const out = backend.makeOutput(size, x.dtype); // before any view: allocation may grow (detach) the heap
  if (tf.util.sizeFromShape(size) > 0) {
    copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
  }
  return out;
}

/** A wasm kernel `name` running `run` on x, or the stock kernel for strings and rank > 4. */
function override(
  kernelName: string,
  stock: tf.KernelConfig,
  run: (backend: HeapBackend, x: tf.TensorInfo, attrs: Record<string, unknown>) => tf.TensorInfo | tf.TensorInfo[],
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string' || x.shape.length > 4) return stock.kernelFunc(args);
      return run(args.backend as unknown as HeapBackend, x, args.attrs as Record<string, unknown>);
    },
  };
}

export function sliceWasmConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return override('Slice', stock, (backend, x, attrs) => {
    const at = attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, at.begin, at.size);
    return sliceInfo(backend, x, begin, size);
  });
}

export function splitVWasmConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return override('SplitV', stock, (backend, x, attrs) => {
    const at = attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const axis = tf.util.parseAxisParam(at.axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, at.numOrSizeSplits, axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = [...x.shape];
      size[axis] = s;
      const part = sliceInfo(backend, x, [...begin], size);
      begin[axis] += s;
      return part;
    });
  });
}
