/**
 * One decode step's attention for one layer as one op on the wasm backend (`LoraStudioDecodeAttention`), for
 * generation with a KV cache, one row and one new token. The composite path runs ~25 tfjs kernels per layer here
 * (q/k/v reshapes, two RoPE products and their reshapes, the cache's two concats, q·Kᵀ, softmax, p·V, the merge),
 * each with ~3 µs of engine JS beside its arithmetic: about a third of a SmolLM2-135M int4 step. This op does the
 * same arithmetic over heap views, with the few-row f32 product kernels (rows-matmul-wat.ts) the BatchMatMul
 * override already runs these shapes with:
 *
 *   q' = q · Mq (RoPE with the 1/√headDim scale folded in, rope.ts `decodeMatrices`), k' = k · Mk
 *   keys = [past keys ; k'], values = [past values ; v]            per KV head, [total, headDim]
 *   out[h] = softmax(q'[h] · keys[g]ᵀ) · values[g]                  g = ⌊h / group⌋, as HF's repeat_kv
 *
 * Inputs q [1, heads·headDim] (any shape of that size), k and v [1, kvHeads·headDim], Mq and Mk [1, headDim,
 * headDim], and the cache's past keys and values [1, kvHeads, past, headDim] (absent at the first token). Outputs
 * out [1, heads·headDim] (the merged heads o_proj takes), and the new keys and values [1, kvHeads, past + 1,
 * headDim] the cache keeps. Inside generation only (no gradient, no mask): f32 sums in another order than tfjs's
 * (within float rounding), softmax's exponentials in SIMD (about 1 ulp).
 */
import { tf } from '../tf';
import { generationMath, type GenerationMath } from './generation-math-wasm';
import { heapArrays, heapScratch } from './heap-scratch';
import { rowsMatMulKernels } from './rows-matmul-wasm';
import { backendMemory, heapOffset, readWasmInternals } from './wasm-heap-views';

export const DECODE_ATTENTION = 'LoraStudioDecodeAttention';

/** Switch for tests and benches: false keeps the composite ops in generation too. */
export const decodeAttentionSettings = { enabled: true };

export interface DecodeAttentionAttrs {
  heads: number;
  kvHeads: number;
  headDim: number;
}

function need(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`decode attention: missing input '${name}'`);
  return t;
}

let marked = false;

const size = (t: tf.TensorInfo): number => t.shape.reduce((a, d) => a * d, 1);

const decodeAttentionConfig: tf.KernelConfig = {
  kernelName: DECODE_ATTENTION,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { heads, kvHeads, headDim: hd } = attrs as unknown as DecodeAttentionAttrs;
    const b = readWasmInternals(backend);
    const memory = b ? backendMemory(b) : null;
    const mm = memory ? rowsMatMulKernels(memory) : null;
    if (!b || !memory || !mm) throw new Error('decode attention: needs tfjs-wasm with SIMD');
    const [q, k, v, mq, mk] = ['q', 'k', 'v', 'mq', 'mk'].map((n) => need(inputs, n));
    const pastK = inputs.pastK ?? null;
    const pastV = inputs.pastV ?? null;
    const past = pastK ? pastK.shape[2] : 0;
    const total = past + 1;
    const group = heads / kvHeads;
    if (size(q) !== heads * hd || size(k) !== kvHeads * hd || size(v) !== kvHeads * hd)
      throw new Error('decode attention: q, k or v has the wrong size for one token of one row');
    if (size(mq) !== hd * hd || size(mk) !== hd * hd) throw new Error('decode attention: RoPE matrices must be shared');
    if (pastK && (!pastV || size(pastK) !== kvHeads * past * hd || size(pastV) !== kvHeads * past * hd))
      throw new Error('decode attention: past keys and values disagree');
    // Outputs, then scratch, then views: an allocation may grow the heap, which replaces its buffer.
    const out = b.makeOutput([1, heads * hd], 'float32');
    const keys = b.makeOutput([1, kvHeads, total, hd], 'float32');
    const values = b.makeOutput([1, kvHeads, total, hd], 'float32');
    // Scratch: q' [heads, hd], k' [kvHeads, hd], one KV head's scores [group, total]
    const qrOff = heapScratch(b, 4 * (heads * hd + kvHeads * hd + group * total));
    if (qrOff === null) throw new Error('decode attention: the wasm heap has no allocator');
    const krOff = qrOff + 4 * heads * hd;
    const sOff = krOff + 4 * kvHeads * hd;
    const f32 = heapArrays(memory).f32;
    const math = generationMath(backend);
    const at = (t: tf.TensorInfo) => heapOffset(b, t);
    mm.mm_nn(at(q), at(mq), qrOff, heads, hd, hd); // q' = q · Mq
    mm.mm_nn(at(k), at(mk), krOff, kvHeads, hd, hd); // k' = k · Mk
    const [keysAt, valuesAt, vAt] = [at(keys) / 4, at(values) / 4, at(v) / 4];
    const [pastKAt, pastVAt] = [pastK ? at(pastK) / 4 : 0, pastV ? at(pastV) / 4 : 0];
    const headFloats = total * hd;
    for (let g = 0; g < kvHeads; g++) {
      const dst = g * headFloats;
      if (past) {
        f32.copyWithin(keysAt + dst, pastKAt + g * past * hd, pastKAt + (g + 1) * past * hd);
        f32.copyWithin(valuesAt + dst, pastVAt + g * past * hd, pastVAt + (g + 1) * past * hd);
      }
      f32.copyWithin(keysAt + dst + past * hd, krOff / 4 + g * hd, krOff / 4 + (g + 1) * hd);
      f32.copyWithin(valuesAt + dst + past * hd, vAt + g * hd, vAt + (g + 1) * hd);
      // scores [group, total] = q'[heads of g] · keys[g]ᵀ, softmax per row, then out[heads of g] = p · values[g]
      const qRows = qrOff + 4 * g * group * hd;
      mm.mm_nt(qRows, 4 * (keysAt + dst), sOff, group, hd, total);
      softmaxRows(f32, math, sOff, group, total);
      mm.mm_nn(sOff, 4 * (valuesAt + dst), at(out) + 4 * g * group * hd, group, total, hd);
    }
    if (!marked) performance.mark('lora-studio:decode-attention'); // once: the e2e suite reads it in the worker
    marked = true;
    return [out, keys, values];
  },
};

/**
 * Softmax of each of `rows` rows of `n` floats at byte offset `from`, in place: max-shifted exponentials four lanes
 * at a time (generation-math-wat.ts) where they load, the tail and the normalisation here.
 */
function softmaxRows(f32: Float32Array, math: GenerationMath | null, from: number, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const row = from / 4 + r * n;
    let max = -Infinity;
    for (let i = 0; i < n; i++) if (f32[row + i] > max) max = f32[row + i];
    let sum = math ? math.exp_shift_sum(4 * row, n, max) : 0;
    for (let i = math ? n - (n % 4) : 0; i < n; i++) {
      const e = Math.exp(f32[row + i] - max);
      f32[row + i] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let i = 0; i < n; i++) f32[row + i] *= inv;
  }
}

/** Registers the op for 'wasm' (idempotent). */
export function registerDecodeAttention(): void {
  if (!tf.getKernel(DECODE_ATTENTION, 'wasm')) tf.registerKernel(decodeAttentionConfig);
}

/** Whether the active backend runs the op (tfjs-wasm with SIMD: the product kernels must load). */
export function decodeAttentionAvailable(): boolean {
  if (!decodeAttentionSettings.enabled) return false;
  if (tf.getKernel(DECODE_ATTENTION, tf.getBackend()) === undefined) return false;
  const b = readWasmInternals(tf.backend());
  const memory = b ? backendMemory(b) : null;
  return memory !== null && rowsMatMulKernels(memory) !== null;
}

/**
 * The op: q [.., heads·hd], k/v [.., kvHeads·hd], RoPE matrices [1, hd, hd], the cache's past keys/values or null
 * → the merged heads [1, heads·hd] and the new keys/values [1, kvHeads, past + 1, hd]. No gradient.
 */
export function fusedDecodeAttention(
  x: { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; mq: tf.Tensor3D; mk: tf.Tensor3D },
  past: { k: tf.Tensor4D; v: tf.Tensor4D } | null,
  attrs: DecodeAttentionAttrs,
): { out: tf.Tensor2D; keys: tf.Tensor4D; values: tf.Tensor4D } {
  const inputs: tf.NamedTensorMap = { ...x, ...(past ? { pastK: past.k, pastV: past.v } : {}) };
  const [out, keys, values] = tf.engine().runKernel(DECODE_ATTENTION, inputs, { ...attrs }) as tf.Tensor[];
  return { out: out as tf.Tensor2D, keys: keys as tf.Tensor4D, values: values as tf.Tensor4D };
}
