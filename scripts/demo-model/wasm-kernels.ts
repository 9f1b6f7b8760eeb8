/**
 * Two wasm-backend kernels that full-parameter training needs and tfjs-backend-wasm 4.22 lacks or runs slowly:
 * - `UnsortedSegmentSum`: missing entirely, and it is what the gradient of `tf.gather` (the embedding lookup)
 *   runs. LoRA training never needs it (embeddings are frozen). Here a JavaScript scatter-add of rows.
 * - `BatchMatMul` with a transpose flag: tfjs-wasm sends only untransposed products to XNNPACK and falls back to
 *   a naive loop otherwise, measured 15× slower on the shared dev box (0.68 vs 10.9 GFLOP/s for
 *   [2048,256]·[256,688]). Every weight gradient (Aᵀ·dC) and input gradient (dC·Bᵀ) has a flag, so the wrapper
 *   transposes the operand explicitly (cheap) and calls the original kernel untransposed.
 */
import { tf } from '../../src/backend/tf';

interface WasmBackendLike {
  readSync(dataId: object): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

let registered = false;

/** Registers both kernels on the wasm backend (once). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) registerSegmentSum();
  registerUntransposedMatMul();
}

function registerSegmentSum(): void {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as unknown as { numSegments: number }).numSegments;
      const b = backend as unknown as WasmBackendLike;
      const values = b.readSync(x.dataId);
      const ids = b.readSync(segmentIds.dataId);
      const rows = x.shape[0];
      const width = rows === 0 ? 0 : values.length / rows;
      const out = new Float32Array(numSegments * width);
      for (let r = 0; r < rows; r++) {
        const seg = ids[r];
        if (seg < 0 || seg >= numSegments) continue; // TF drops out-of-range segment ids
        const o = seg * width;
        const i = r * width;
        for (let c = 0; c < width; c++) out[o + c] += values[i + c];
      }
      return b.makeOutput([numSegments, ...x.shape.slice(1)], 'float32', undefined, out);
    },
  });
}

interface TransposeBackend {
  disposeData(dataId: object): void;
}

function registerUntransposedMatMul(): void {
  const original = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!original || !transpose) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return original.kernelFunc(args);
      const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
        const r = t.shape.length;
        const perm = [...Array(r - 2).keys(), r - 1, r - 2];
        return transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const a2 = transposeA ? swapLast(a) : a;
      const b2 = transposeB ? swapLast(b) : b;
      const out = original.kernelFunc({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
      for (const t of [a2, b2]) if (t !== a && t !== b) (backend as unknown as TransposeBackend).disposeData(t.dataId);
      return out;
    },
  });
}
