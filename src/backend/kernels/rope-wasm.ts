/**
 * Rotary embeddings as one kernel on the wasm backend (`LoraStudioRope`), with its gradient as the same kernel.
 *
 * Composed of tfjs ops, RoPE of q or k is a reshape, the rotate-half product, two multiplies and an add, and the
 * query's score scale one more multiply; their gradients add as many again. In a SmolLM2-135M LoRA step that is
 * ~700 of its ~9500 kernels, each with its JS bookkeeping on the engine thread, and in a 50-token prefill the
 * rotate-half products alone were 5% of the time (a [450, 64] · [64, 64] product per layer, far below the sizes the
 * GEMM is fast at). Here it is one pass over x.
 *
 * In wasm SIMD (`rope_rows`, generation-math-wat.ts) where headDim is a multiple of 8, else the JS loop below.
 *
 * Values: the composite's, bit for bit. Each output is (x_j·cos_j ± x_{j∓d/2}·sin_j), each product rounded to f32,
 * then the sum rounded (JS computes in f64, and rounding a product or sum of two f32s to f64 and then to f32 equals
 * rounding it to f32 once), then times `scale` and rounded where scale ≠ 1. The gradient of that with respect to x
 * is RoPE by −sin, since cos and sin are the same on both halves (sin_j = sin_{j+d/2}): dx = (dy·scale) rotated
 * back, which is what the composite's gradient computes too, product by product.
 *
 * Inputs x [batch, seq, heads, headDim] and cos, sin [batch | 1, seq, 1, headDim]; attrs `scale` and `inverse`
 * (the gradient: scale first, then rotate by −sin). Output like x.
 */
import { tf } from '../tf';
import { generationMath } from './generation-math-wasm';
import { opInput } from './generation-ops-wasm';
import { heapOffset, readWasmInternals, type HeapBackend } from './wasm-heap-views';

export const ROPE = 'LoraStudioRope';

/** Switch for tests and benches: false keeps the composite ops. */
export const ropeKernelSettings = { enabled: true };

interface RopeAttrs {
  scale: number;
  inverse: boolean;
}

/**
 * RoPE of `x` into `y` (same layout): per token row (batch, seq) one cos/sin row, shared by its heads (one table
 * row set for every batch row when `tableBatch` is 1).
 * `inverse` rotates by −sin after scaling (the gradient); otherwise scales after rotating.
 */
function ropeRows(
  x: Float32Array,
  cos: Float32Array,
  sin: Float32Array,
  y: Float32Array,
  shape: readonly number[],
  tableBatch: number,
  { scale: scaleAttr, inverse }: RopeAttrs,
): void {
  const [batch, seq, heads, dim] = shape;
  const scale = Math.fround(scaleAttr); // an f32 factor, as tf.mul(x, scale) makes of it
  const half = dim / 2;
  const scaled = scale !== 1;
  const sign = inverse ? -1 : 1;
  for (let b = 0; b < batch; b++) {
    for (let s = 0; s < seq; s++) {
      const t = ((tableBatch === 1 ? 0 : b) * seq + s) * dim; // this row's cos/sin
      for (let h = 0, at = (b * seq + s) * heads * dim; h < heads; h++, at += dim) {
        for (let j = 0; j < half; j++) {
          let lo = x[at + j];
          let hi = x[at + j + half];
          if (inverse && scaled) {
            lo = Math.fround(lo * scale);
            hi = Math.fround(hi * scale);
          }
          const c = cos[t + j];
          const sn = sign * sin[t + j];
          // rotate_half(x) = [−x₂, x₁]: out j takes −x_{j+d/2}·sin, out j+d/2 takes x_j·sin
          let yLo = Math.fround(Math.fround(lo * c) + Math.fround(-hi * sn));
          let yHi = Math.fround(Math.fround(hi * c) + Math.fround(lo * sn));
          if (!inverse && scaled) {
            yLo = Math.fround(yLo * scale);
            yHi = Math.fround(yHi * scale);
          }
          y[at + j] = yLo;
          y[at + j + half] = yHi;
        }
      }
    }
  }
}

const ropeConfig: tf.KernelConfig = {
  kernelName: ROPE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const b = backend as unknown as HeapBackend;
    const [x, cos, sin] = ['x', 'cos', 'sin'].map((n) => opInput(inputs, n, 'RoPE'));
    const [batch, seq, , dim] = x.shape;
    const tableBatch = cos.shape[0];
    if (
      x.shape.length !== 4 ||
      dim % 2 !== 0 ||
      (tableBatch !== 1 && tableBatch !== batch) ||
      cos.shape.join() !== [tableBatch, seq, 1, dim].join() ||
      sin.shape.join() !== cos.shape.join()
    )
      throw new Error(`RoPE: shapes x ${x.shape}, cos ${cos.shape}, sin ${sin.shape} disagree`);
    const out = b.makeOutput(x.shape, 'float32'); // before the views: an allocation may grow (detach) the heap
    const { scale, inverse } = attrs as unknown as RopeAttrs;
    // In wasm SIMD where it loads and the halves are whole vectors (the same values as the loop, bit for bit)
    const simd = dim % 8 === 0 ? generationMath(backend)?.rope_rows : undefined;
    const internals = readWasmInternals(backend);
    if (simd && internals) {
      const [xAt, cosAt, sinAt, yAt] = [x, cos, sin, out].map((t) => heapOffset(internals, t));
      const heads = x.shape[2];
      const f32Scale = Math.fround(scale);
      for (let i = 0; i < batch; i++) {
        const table = (tableBatch === 1 ? 0 : i) * seq * dim * 4;
        const rows = i * seq * heads * dim * 4;
        simd(
          xAt + rows,
          cosAt + table,
          sinAt + table,
          yAt + rows,
          seq,
          heads,
          dim,
          inverse ? f32Scale : 1,
          inverse ? 1 : f32Scale,
          inverse ? -1 : 1,
        );
      }
      return out;
    }
    ropeRows(
      b.typedArrayFromHeap(x) as Float32Array,
      b.typedArrayFromHeap(cos) as Float32Array,
      b.typedArrayFromHeap(sin) as Float32Array,
      b.typedArrayFromHeap(out) as Float32Array,
      x.shape,
      tableBatch,
      { scale, inverse },
    );
    return out;
  },
};

const ropeGradient: tf.GradConfig = {
  kernelName: ROPE,
  inputsToSave: ['cos', 'sin'],
  gradFunc: (dy, saved, attrs) => {
    const [cos, sin] = saved;
    const { scale, inverse } = attrs as unknown as RopeAttrs;
    return {
      x: () => tf.engine().runKernel(ROPE, { x: dy as tf.Tensor, cos, sin }, { scale, inverse: !inverse }) as tf.Tensor,
    };
  },
};

/** Registers the kernel for 'wasm' and its gradient (idempotent). */
export function registerRope(): void {
  if (!tf.getKernel(ROPE, 'wasm')) tf.registerKernel(ropeConfig);
  if (!tf.getGradient(ROPE)) tf.registerGradient(ropeGradient);
}

/** Whether the active backend runs RoPE as one kernel. */
export function ropeKernelAvailable(): boolean {
  return ropeKernelSettings.enabled && tf.getKernel(ROPE, tf.getBackend()) !== undefined;
}

/** RoPE of x [batch, seq, heads, headDim] by cos/sin [batch | 1, seq, 1, headDim], times `scale`. Caller owns it. */
export function fusedRope<T extends tf.Tensor>(x: T, cos: tf.Tensor, sin: tf.Tensor, scale = 1): T {
  return tf.engine().runKernel(ROPE, { x, cos, sin }, { scale, inverse: false }) as T;
}
