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
 * headDim], and the cache's buffers [1, kvHeads, rows, headDim] whose first `past` rows hold keys and values
 * (absent at the first token). The cache grows in place: while rows > past this token's key and value are written
 * into row `past` of those buffers (no copy of the past, the composite path's concat copies it all every step);
 * otherwise the op allocates buffers of `capacity` rows, copies the past over and outputs them too. Output out [1,
 * heads·headDim] (the merged heads o_proj takes). Inside generation only (no gradient, no mask): f32 sums in another order than tfjs's
 * (within float rounding), softmax's exponentials in SIMD (about 1 ulp).
 */
import { tf } from '../tf';
import { generationMath, type GenerationMath } from './generation-math-wasm';
import { heapArrays, heapScratch } from './heap-scratch';
import { boundRowsKernels, rowsKernelsForBackend } from './rows-matmul-wasm';
import { opInput } from './generation-ops-wasm';
import { heapOffset } from './wasm-heap-views';

export const DECODE_ATTENTION = 'LoraStudioDecodeAttention';

/** Switch for tests and benches: false keeps the composite ops in generation too. */
export const decodeAttentionSettings = { enabled: true };

export interface DecodeAttentionAttrs {
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Tokens already in the cache (rows of the past buffers that hold keys). */
  past: number;
  /** Rows to allocate when the past buffers are full or absent (≥ past + 1). */
  capacity: number;
}

let marked = false;

const size = (t: tf.TensorInfo): number => t.shape.reduce((a, d) => a * d, 1);

const decodeAttentionConfig: tf.KernelConfig = {
  kernelName: DECODE_ATTENTION,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { heads, kvHeads, headDim: hd, past, capacity } = attrs as unknown as DecodeAttentionAttrs;
    const bound = boundRowsKernels(backend);
    if (!bound) throw new Error('decode attention: needs tfjs-wasm with SIMD');
    const { b, memory, kernels: mm } = bound;
    const [q, k, v, mq, mk] = ['q', 'k', 'v', 'mq', 'mk'].map((n) => opInput(inputs, n, 'decode attention'));
    const pastK = inputs.pastK ?? null;
    const pastV = inputs.pastV ?? null;
    const rows = pastK ? pastK.shape[2] : 0; // the past buffers' rows (their capacity)
    const total = past + 1;
    const group = heads / kvHeads;
    if (size(q) !== heads * hd || size(k) !== kvHeads * hd || size(v) !== kvHeads * hd)
      throw new Error('decode attention: q, k or v has the wrong size for one token of one row');
    if (size(mq) !== hd * hd || size(mk) !== hd * hd) throw new Error('decode attention: RoPE matrices must be shared');
    if (pastK && (!pastV || size(pastK) !== kvHeads * rows * hd || size(pastV) !== size(pastK) || past > rows))
      throw new Error('decode attention: past keys and values disagree');
    if (!pastK && past > 0) throw new Error('decode attention: a past without its keys');
    // Room for this token in the past buffers: write it in place. Else new buffers of `capacity` rows.
    const inPlace = pastK !== null && pastV !== null && past < rows;
    const cap = inPlace ? rows : capacity;
    if (cap < total) throw new Error(`decode attention: capacity ${cap} < ${total} tokens`);
    // Outputs, then scratch, then views: an allocation may grow the heap, which replaces its buffer.
    const out = b.makeOutput([1, heads * hd], 'float32');
    const grown = inPlace ? null : [0, 1].map(() => b.makeOutput([1, kvHeads, cap, hd], 'float32'));
    const keys = grown ? grown[0] : pastK!;
    const values = grown ? grown[1] : pastV!;
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
    const headFloats = cap * hd; // a KV head's rows in the buffers this step reads
    for (let g = 0; g < kvHeads; g++) {
      const dst = g * headFloats;
      if (grown && past) {
        const [fromK, fromV] = [at(pastK!) / 4 + g * rows * hd, at(pastV!) / 4 + g * rows * hd];
        f32.copyWithin(keysAt + dst, fromK, fromK + past * hd);
        f32.copyWithin(valuesAt + dst, fromV, fromV + past * hd);
      }
      f32.copyWithin(keysAt + dst + past * hd, krOff / 4 + g * hd, krOff / 4 + (g + 1) * hd);
      f32.copyWithin(valuesAt + dst + past * hd, vAt + g * hd, vAt + (g + 1) * hd);
      // scores [group, total] = q'[heads of g] · keys[g, :total]ᵀ, softmax per row, then out[heads of g] = p · values
      const qRows = qrOff + 4 * g * group * hd;
      mm.mm_nt(qRows, 4 * (keysAt + dst), sOff, group, hd, total);
      softmaxRows(f32, math, sOff, group, total);
      mm.mm_nn(sOff, 4 * (valuesAt + dst), at(out) + 4 * g * group * hd, group, total, hd);
    }
    if (!marked) performance.mark('lora-studio:decode-attention'); // once: the e2e suite reads it in the worker
    marked = true;
    return grown ? [out, ...grown] : [out];
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
  return rowsKernelsForBackend(tf.backend()) !== null;
}

/**
 * The op: q [.., heads·hd], k/v [.., kvHeads·hd], RoPE matrices [1, hd, hd], the cache's buffers (rows ≥
 * `attrs.past`, keys in the first `past`) or null → the merged heads [1, heads·hd], and new buffers of
 * `attrs.capacity` rows when the token did not fit in the old ones (else it was written into them, in place).
 * No gradient.
 */
export function fusedDecodeAttention(
  x: { q: tf.Tensor; k: tf.Tensor; v: tf.Tensor; mq: tf.Tensor3D; mk: tf.Tensor3D },
  past: { k: tf.Tensor4D; v: tf.Tensor4D } | null,
  attrs: DecodeAttentionAttrs,
): { out: tf.Tensor2D; grown: { keys: tf.Tensor4D; values: tf.Tensor4D } | null } {
  const inputs: tf.NamedTensorMap = { ...x, ...(past ? { pastK: past.k, pastV: past.v } : {}) };
  const outs = tf.engine().runKernel(DECODE_ATTENTION, inputs, { ...attrs }) as tf.Tensor[];
  const grown = outs.length === 3 ? { keys: outs[1] as tf.Tensor4D, values: outs[2] as tf.Tensor4D } : null;
  return { out: outs[0] as tf.Tensor2D, grown };
}
