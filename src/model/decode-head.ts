/**
 * Decode-only copies of the f32 LM head on wasm, built on first use and owned by the model (`DecodeHeadCopies`):
 *
 * - **Generation over a packed base**, any head: an int8 copy. A decode step reads the whole head: SmolLM2-135M's
 *   tied 49 152 × 576 f32 table is 113 MB per token (3.8 ms of a 16.5 ms int4 step), Qwen2.5's 151 936 × 896 is
 *   545 MB. As int8 (one scale per 64 columns) it is a quarter of that, and the integer-dot GEMV reads it with x as
 *   16-bit integers (quant/kernels/wasm/gemv-q16-wat.ts) — llama.cpp's trade too (its Q4_0 models carry a quantized
 *   output matrix). Small heads too: the demo model's 4096 × 256 head took 0.15–0.18 ms of a ~1 ms int4 decode
 *   step as the transposed f32 copy below, as much as its four layers' int4 products. Only generation uses it
 *   (`DecoderModel.headProduct`); scoring and training keep the f32 head. Costs 26% of the head's bytes while it
 *   exists: `decodeHeadCopyBytes` counts it in the generation estimate, and the model drops it before training
 *   (`releaseDecodeCopies`).
 * - **Small heads** (≤ `DECODE_HEAD_MAX_VALUES`) otherwise (an f32 base, or outside generation), any forward of ≤ 4
 *   rows: the head transposed. XNNPACK packs a matMul's right operand once per tensor and keeps it, so x·headᵀ from
 *   [hidden, vocab] runs its GEMM at full width, while from [vocab, hidden] it must run as (head·xᵀ)ᵀ with a
 *   one-column right operand (the small bench model's 4096-token head: ~1 ms → ~0.15 ms per token, Node).
 */
import { inGeneration } from '../backend/generation-scope';
import { tf, type Tensor2D } from '../backend/tf';
import { packedByteSize, type PackedWeight } from '../quant/packed';
import { quantize } from '../quant/quantize';
import { QuantLinear } from './quant-linear';

/**
 * Head values quantized per block (4 MiB of floats read back at a time): the block is a transient tensor beside
 * the model, so it stays small against the estimate (a 64 MiB block showed as +36 MB in SmolLM2's peak).
 */
const BLOCK_VALUES = 1024 * 1024;

/** The int8 head, quantized block of rows by block of rows from the f32 table [vocab, hidden]. Caller disposes. */
export function buildDecodeHead(head: Tensor2D): QuantLinear {
  const [vocab, hidden] = head.shape;
  const rows = Math.max(1, Math.floor(BLOCK_VALUES / hidden));
  const parts: PackedWeight[] = [];
  for (let r0 = 0; r0 < vocab; r0 += rows) {
    const n = Math.min(rows, vocab - r0);
    const block = tf.tidy(() => head.slice([r0, 0], [n, hidden]));
    parts.push(quantize(block.dataSync() as Float32Array, [n, hidden], 'int8', 64));
    block.dispose();
  }
  const words = new Uint32Array(parts.reduce((a, p) => a + p.words.length, 0));
  const scales = new Float32Array(parts.reduce((a, p) => a + p.scales.length, 0));
  let [w, s] = [0, 0];
  for (const p of parts) {
    // Rows are independent and row-major in both arrays, so the blocks' packings concatenate.
    words.set(p.words, w);
    scales.set(p.scales, s);
    [w, s] = [w + p.words.length, s + p.scales.length];
  }
  return new QuantLinear({ mode: 'int8', outFeatures: vocab, inFeatures: hidden, groupSize: 64, words, scales }, null);
}

/** `DecoderModel.decodeHeadMaxValues`' default: heads up to this many values get the transposed f32 copy instead. */
export const DECODE_HEAD_MAX_VALUES = 8 * 1024 * 1024;

/**
 * Bytes generation on `backend` adds for the head's decode copy: on wasm with an f32 table, the transposed f32 copy
 * of a small head, or this int8 copy of a large one over a packed base; nothing elsewhere.
 */
export function decodeHeadCopyBytes(
  vocab: number,
  hidden: number,
  packedBase: boolean,
  backend: string,
  embeddings: 'f32' | 'f16',
): number {
  if (backend !== 'wasm' || embeddings !== 'f32') return 0;
  if (packedBase) return packedByteSize([vocab, hidden], 'int8', 64);
  return vocab * hidden <= DECODE_HEAD_MAX_VALUES ? 4 * vocab * hidden : 0;
}

/** Rows (one per sequence in generation) up to which the int8 copy serves the head. */
const MAX_QUANTIZED_ROWS = 16;
/** Rows up to which the transposed copy serves the head (a decode step, a few multiplexed rows). */
const MAX_TRANSPOSED_ROWS = 4;

/** The copies one model holds; `product` builds the one a forward needs, `release` frees both. */
export class DecodeHeadCopies {
  /** [hidden, vocab]: the small head transposed. */
  private transposed: Tensor2D | null = null;
  /** The large head as int8. */
  private quantized: QuantLinear | null = null;

  /**
   * rows [n, hidden] · head [vocab, hidden]ᵀ through a copy, when one applies (wasm; see the file comment); null
   * when the caller should run the frozen product on the f32 head.
   */
  product(rows: Tensor2D, head: Tensor2D, maxTransposedValues: number, packedBase: boolean): Tensor2D | null {
    if (tf.getBackend() !== 'wasm') return null;
    const n = rows.shape[0];
    if (packedBase && inGeneration() && n <= MAX_QUANTIZED_ROWS) {
      this.quantized ??= buildDecodeHead(head);
      return this.quantized.apply(rows); // [n, vocab]
    }
    // An f32 base keeps its f32 head: transposed where small, as stored where large
    if (head.size > maxTransposedValues || n > MAX_TRANSPOSED_ROWS) return null;
    if (!this.transposed) this.transposed = tf.keep(tf.transpose(head) as Tensor2D); // [hidden, vocab]
    return tf.matMul(rows, this.transposed) as Tensor2D; // [n, vocab]
  }

  release(): void {
    this.transposed?.dispose();
    this.quantized?.dispose();
    this.transposed = null;
    this.quantized = null;
  }
}
