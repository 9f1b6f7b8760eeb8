/**
 * A LoRA module's whole training path as one op on the wasm backend (`LoraStudioLoraDelta`):
 * y + scale · (dropout(x)·Aᵀ)·Bᵀ, with its gradients for x, A and B as one more op (`LoraStudioLoraDeltaGrad`).
 *
 * Composed of tfjs ops a module is a mask upload, a dropout multiply, two products, a scale and an add, and in the
 * backward pass their gradients: ~13 kernels with the engine's JS around each (tape node, saved-tensor bookkeeping,
 * output tracking), and a mask made by a JS loop. A SmolLM2-135M step has 210 such modules: ~3000 of its ~7700
 * kernels, and the masks alone were ~60 ms of a ~1.6 s step (Node, one thread), all on the engine thread that a
 * second core does not speed up. Here the products run on the registered BatchMatMul (our routes: GEMM, few-row
 * kernels, the kernel pool's threads) called straight on the heap, and the mask is made in wasm SIMD
 * (`dropout_mul`, lora-path-wat.ts) from a seed of 32 words (src/util/dropout-stream.ts, which makes the same mask
 * in JS). The backward pass regenerates the mask from that seed instead of keeping it: the tape keeps x (shared by
 * the modules reading the same input), A and B, where the composite kept a mask and a masked copy per module.
 *
 * Values: the composite's up to float rounding (the scale is applied to x·Aᵀ before the second product, and the
 * products sum in our kernels' order).
 *
 * Forward inputs y [rows, out], x [rows, in], a [rank, in], b [out, rank]; attrs `scale`, `threshold` and `keep`
 * (dropout-stream.ts; threshold 0: no dropout) and `seed` (32 words, or none). Output [rows, out].
 * Gradient op: inputs dy [rows, out], x, a, b; the same attrs and `withX`; outputs dx (with `withX`), dA and dB:
 * dx = ((s·dy·B)·A) ⊙ mask, dA = (s·dy·B)ᵀ·(x ⊙ mask), dB = (s·dyᵀ)·((x ⊙ mask)·Aᵀ), sharing s·dy·B and x ⊙ mask. Without
 * `withX` (x off the gradient's path: the first layer's inputs) dx is not computed.
 */
import { tf } from '../tf';
import { DROPOUT_LANES, DROPOUT_SEED_WORDS, nextDropoutWord, seedWordAt } from '../../util/dropout-stream';
import { opInput } from './generation-ops-wasm';
import { heapArrays, heapScratch } from './heap-scratch';
import { loraPathOn, type LoraPathOnHeap } from './lora-path-wasm';
import { rowsKernelsForBackend } from './rows-matmul-wasm';
import { swapLastTwo } from './swap-last-two';
import { heapOffset } from './wasm-heap-views';

export const LORA_DELTA = 'LoraStudioLoraDelta';
export const LORA_DELTA_GRAD = 'LoraStudioLoraDeltaGrad';

/** Switch for tests and benches: false keeps the composite ops. */
export const loraDeltaSettings = { enabled: true };

/** The op's attributes: the module's scale and its dropout (see dropout-stream.ts). */
export interface LoraDeltaAttrs {
  scale: number;
  /** ⌈p·2³²⌉ as a signed word; 0: no dropout. */
  threshold: number;
  /** 1/(1−p) as f32. */
  keep: number;
  /** 32 seed words (empty without dropout). */
  seed: number[];
}

/** What one call works with: the backend's internals, its heap, our element-wise passes, the backend itself. */
interface Bound extends LoraPathOnHeap {
  backend: tf.KernelBackend;
}

function bind(backend: tf.KernelBackend): Bound {
  const onHeap = loraPathOn(backend);
  if (!onHeap) throw new Error('LoRA path op: needs tfjs-wasm 4.x with SIMD');
  return { ...onHeap, backend };
}

/** `t` seen as one batch slice [1, ...shape] (the same data), as BatchMatMul takes it. */
const asBatch = (t: tf.TensorInfo): tf.TensorInfo => ({ dataId: t.dataId, shape: [1, ...t.shape], dtype: t.dtype });

/** a·b through the registered BatchMatMul (our routes), as a new [1, m, n] the caller disposes. */
function product(k: Bound, a: tf.TensorInfo, b: tf.TensorInfo, transposeA: boolean, transposeB: boolean) {
  const matMul = tf.getKernel('BatchMatMul', 'wasm');
  if (!matMul) throw new Error('LoRA path op: no wasm BatchMatMul');
  const inputs = { a: a.shape.length === 2 ? asBatch(a) : a, b: b.shape.length === 2 ? asBatch(b) : b };
  return matMul.kernelFunc({ inputs, backend: k.backend, attrs: { transposeA, transposeB } }) as tf.TensorInfo;
}

/** t *= s in place (t small: rows × rank). */
function scaleInPlace(k: Bound, t: tf.TensorInfo, s: number): void {
  if (s === 1) return;
  const f32 = heapArrays(k.memory).f32;
  const at = heapOffset(k.b, t) / 4;
  const n = t.shape.reduce((p, d) => p * d, 1);
  for (let i = at; i < at + n; i++) f32[i] = Math.fround(f32[i] * s);
}

/**
 * dst = src ⊙ mask over `n` floats, the mask from `attrs.seed` (dropout-stream.ts): whole groups of 8 in wasm, the
 * last n mod 8 in JS from the lane state the kernel writes back.
 */
function applyMask(k: Bound, src: number, dst: number, n: number, attrs: LoraDeltaAttrs): void {
  const state = heapScratch(k.b, 4 * DROPOUT_SEED_WORDS);
  if (state === null) throw new Error('LoRA path op: the wasm heap has no allocator');
  heapArrays(k.memory).i32.set(attrs.seed, state / 4);
  const groups = Math.floor(n / DROPOUT_LANES);
  k.path.dropout_mul(src, dst, groups, state, attrs.threshold, attrs.keep);
  const { f32, i32: words } = heapArrays(k.memory);
  for (let lane = 0; lane < n % DROPOUT_LANES; lane++) {
    const word = (w: number) => words[state / 4 + seedWordAt(lane, w)];
    const next = nextDropoutWord(word(0), word(3));
    const i = groups * DROPOUT_LANES + lane;
    const kept = next >>> 0 < attrs.threshold >>> 0 ? 0 : attrs.keep;
    f32[dst / 4 + i] = Math.fround(f32[src / 4 + i] * kept);
  }
}

/** x ⊙ mask as a new tensor the caller disposes, or x itself without dropout. */
function dropped(k: Bound, x: tf.TensorInfo, attrs: LoraDeltaAttrs): tf.TensorInfo {
  if (attrs.threshold === 0) return x;
  const out = k.b.makeOutput(x.shape, 'float32'); // before the offsets: an allocation may move the heap
  applyMask(k, heapOffset(k.b, x), heapOffset(k.b, out), x.shape[0] * x.shape[1], attrs);
  return out;
}

/** Runs `f`, then disposes the temporaries (TensorInfos this call made) whatever happens. */
function withTemporaries<T>(k: Bound, f: (temp: (t: tf.TensorInfo) => tf.TensorInfo) => T): T {
  const made: tf.TensorInfo[] = [];
  try {
    return f((t) => {
      made.push(t);
      return t;
    });
  } finally {
    for (const t of made) k.b.disposeData(t.dataId);
  }
}

function checkShapes(op: string, x: tf.TensorInfo, a: tf.TensorInfo, b: tf.TensorInfo, yOrDy: tf.TensorInfo): void {
  const [rows, inp] = x.shape;
  const [rank, aIn] = a.shape;
  const [out, bRank] = b.shape;
  if (
    x.shape.length !== 2 ||
    aIn !== inp ||
    bRank !== rank ||
    yOrDy.shape.length !== 2 ||
    yOrDy.shape[0] !== rows ||
    yOrDy.shape[1] !== out ||
    [x, a, b, yOrDy].some((t) => t.dtype !== 'float32')
  )
    throw new Error(`${op}: shapes x ${x.shape}, A ${a.shape}, B ${b.shape}, y ${yOrDy.shape} disagree`);
}

/** [1, m, n] seen as [m, n]. */
const asMatrix = (t: tf.TensorInfo): tf.TensorInfo => ({ dataId: t.dataId, shape: t.shape.slice(-2), dtype: t.dtype });

const loraDeltaConfig: tf.KernelConfig = {
  kernelName: LORA_DELTA,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const k = bind(backend as tf.KernelBackend);
    const [y, x, a, b] = ['y', 'x', 'a', 'b'].map((n) => opInput(inputs, n, 'LoRA delta'));
    checkShapes('LoRA delta', x, a, b, y);
    const s = attrs as unknown as LoraDeltaAttrs;
    return withTemporaries(k, (temp) => {
      const xm = dropped(k, x, s);
      if (xm !== x) temp(xm);
      const h = temp(product(k, xm, a, false, true)); // [1, rows, rank]
      scaleInPlace(k, h, s.scale);
      const out = product(k, h, b, false, true); // [1, rows, out] = (s·h)·Bᵀ
      k.path.add_to(heapOffset(k.b, y), heapOffset(k.b, out), y.shape[0] * y.shape[1]);
      return asMatrix(out);
    });
  },
};

const loraDeltaGradConfig: tf.KernelConfig = {
  kernelName: LORA_DELTA_GRAD,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const k = bind(backend as tf.KernelBackend);
    const [dy, x, a, b] = ['dy', 'x', 'a', 'b'].map((n) => opInput(inputs, n, 'LoRA delta gradient'));
    checkShapes('LoRA delta gradient', x, a, b, dy);
    const s = attrs as unknown as LoraDeltaAttrs & { withX: boolean };
    const transpose = tf.getKernel('Transpose', 'wasm');
    if (!transpose) throw new Error('LoRA delta gradient: no wasm Transpose');
    const outs: tf.TensorInfo[] = [];
    try {
      return withTemporaries(k, (temp) => {
        const xm = dropped(k, x, s);
        if (xm !== x) temp(xm);
        const g = temp(product(k, dy, b, false, false)); // [1, rows, rank]
        scaleInPlace(k, g, s.scale); // s·dy·B
        if (s.withX) {
          const dx = outs[outs.push(product(k, g, a, false, false)) - 1]; // [1, rows, in]
          if (s.threshold !== 0) applyMask(k, heapOffset(k.b, dx), heapOffset(k.b, dx), x.shape[0] * x.shape[1], s);
        }
        outs.push(product(k, g, xm, true, false)); // dA [1, rank, in]
        const h = temp(product(k, xm, a, false, true)); // [1, rows, rank]
        scaleInPlace(k, h, s.scale);
        const dbT = temp(product(k, h, dy, true, false)); // [1, rank, out] = (s·h)ᵀ·dy
        outs.push(swapLastTwo(transpose, k.backend, dbT)); // dB [1, out, rank]
        return outs.map(asMatrix);
      });
    } catch (e) {
      for (const t of outs) k.b.disposeData(t.dataId);
      throw e;
    }
  },
};

/**
 * Gradients one backward node computed that its later closures have not taken yet (kept from the closure's scope).
 * tfjs asks for a node's input gradients one closure at a time, each in its own scope, in input order (y, x, a, b):
 * the first closure runs the one gradient op for all of them and keeps the others for the next closures. A node
 * whose later closures never come (an input off the gradient's path) leaves them here, disposed when the next node
 * starts.
 */
const unclaimed = new Set<tf.Tensor>();

const loraDeltaGradient: tf.GradConfig = {
  kernelName: LORA_DELTA,
  inputsToSave: ['x', 'a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    tf.dispose([...unclaimed]);
    unclaimed.clear();
    const [x, a, b] = saved;
    const d = dy as tf.Tensor;
    let parts: Map<string, tf.Tensor> | null = null;
    const take = (which: 'x' | 'a' | 'b') => () => {
      if (!parts) {
        // x's closure comes before a's and b's when x is on the gradient's path at all; first, it asks for dx too
        const withX = which === 'x';
        const outs = tf.engine().runKernel(LORA_DELTA_GRAD, { dy: d, x, a, b }, { ...attrs, withX }) as tf.Tensor[];
        parts = new Map((withX ? ['x', 'a', 'b'] : ['a', 'b']).map((n, i) => [n, outs[i]]));
        for (const [n, t] of parts) if (n !== which) unclaimed.add(tf.keep(t));
      }
      const t = parts.get(which);
      if (!t) throw new Error(`LoRA delta gradient: ${which} asked for after the gradients were computed without it`);
      unclaimed.delete(t);
      return t;
    };
    // y's gradient is dy itself, as a new tensor on the same data (as tfjs's Add gradient gives it)
    return { y: () => tf.reshape(d, d.shape), x: take('x'), a: take('a'), b: take('b') };
  },
};

/** Registers both ops for 'wasm' and the gradient (idempotent). */
export function registerLoraDelta(): void {
  if (!tf.getKernel(LORA_DELTA, 'wasm')) tf.registerKernel(loraDeltaConfig);
  if (!tf.getKernel(LORA_DELTA_GRAD, 'wasm')) tf.registerKernel(loraDeltaGradConfig);
  if (!tf.getGradient(LORA_DELTA)) tf.registerGradient(loraDeltaGradient);
}

/** Whether the active backend runs a LoRA module as one op (tfjs-wasm with SIMD, our kernels loaded). */
export function loraDeltaAvailable(): boolean {
  if (!loraDeltaSettings.enabled || tf.getKernel(LORA_DELTA, tf.getBackend()) === undefined) return false;
  return loraPathOn(tf.backend()) !== null && rowsKernelsForBackend(tf.backend()) !== null;
}

/** y [rows, out] + scale · dropout(x [rows, in]) · a [rank, in]ᵀ · b [out, rank]ᵀ → [rows, out], differentiable. */
export function fusedLoraDelta(
  y: tf.Tensor2D,
  x: tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  attrs: LoraDeltaAttrs,
): tf.Tensor2D {
  return tf.engine().runKernel(LORA_DELTA, { y, x, a, b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}
