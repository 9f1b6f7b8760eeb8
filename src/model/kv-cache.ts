/**
 * Key/value cache for incremental decoding: per layer, the rotated keys and the values of every token seen so far,
 * [batch, kvHeads, length, headDim], plus each row's padding history so later steps keep masking padded keys.
 * Tensors are immutable in tfjs, so each step of the composite path concatenates; the wasm decode-attention op
 * instead writes each token into spare rows of its buffers (`past`, `growTo`, `replace`). The cache owns (keeps)
 * its tensors and frees the previous ones, whatever `tf.tidy` the forward runs in.
 */
import { tf, type Tensor4D } from '../backend/tf';

export class KVCache {
  /** Tokens stored so far (the next token's absolute index). */
  length = 0;
  private readonly keys: (Tensor4D | null)[];
  private readonly values: (Tensor4D | null)[];
  /** Per row, 1 = real token, 0 = padding, over [0, length); null while every token has been real. */
  private padding: Uint8Array[] | null = null;
  private disposed = false;

  constructor(
    readonly batch: number,
    readonly maxLen: number,
    readonly layers: number,
  ) {
    this.keys = new Array(layers).fill(null);
    this.values = new Array(layers).fill(null);
  }

  /** Throws unless `seq` more tokens for `batch` rows fit. */
  check(batch: number, seq: number): void {
    if (this.disposed) throw new Error('KVCache: used after dispose()');
    if (batch !== this.batch) throw new Error(`KVCache: created for batch ${this.batch}, forward got batch ${batch}`);
    if (this.length + seq > this.maxLen) {
      throw new Error(`KVCache: ${this.length} + ${seq} tokens exceed its maxLen ${this.maxLen}`);
    }
  }

  /**
   * Appends this step's k/v ([batch, kvHeads, seq, headDim]) for `layer` and returns the full history
   * [batch, kvHeads, length + seq, headDim]. The returned tensors belong to the cache.
   */
  append(layer: number, k: Tensor4D, v: Tensor4D): { k: Tensor4D; v: Tensor4D } {
    const [heldK, heldV] = [this.keys[layer], this.values[layer]];
    const prevK = this.filled(heldK);
    const prevV = this.filled(heldV);
    const fullK = prevK ? (tf.concat([prevK, k], 2) as Tensor4D) : k.clone();
    const fullV = prevV ? (tf.concat([prevV, v], 2) as Tensor4D) : v.clone();
    // The cuts of buffers grown in place are ours; `replace` frees the buffers themselves
    if (prevK !== heldK) prevK?.dispose();
    if (prevV !== heldV) prevV?.dispose();
    this.replace(layer, fullK, fullV);
    return { k: fullK, v: fullV };
  }

  /** `t` cut to the `length` tokens it holds (a buffer grown in place has spare rows; the cut is a new tensor). */
  private filled(t: Tensor4D | null): Tensor4D | null {
    if (!t || t.shape[2] === this.length) return t;
    const [b, h, , d] = t.shape;
    return t.slice([0, 0, 0, 0], [b, h, this.length, d]);
  }

  /**
   * Layer `layer`'s buffers ([batch, kvHeads, rows, headDim], owned by the cache; the first `length` rows hold
   * keys and values, rows ≥ length when a step wrote in place), or null before the first token.
   */
  past(layer: number): { k: Tensor4D; v: Tensor4D } | null {
    const k = this.keys[layer];
    const v = this.values[layer];
    return k && v ? { k, v } : null;
  }

  /**
   * Rows to give layer buffers that must grow to take `seq` more tokens in place: double, at least 64, never past
   * `maxLen` (the generation estimate counts the cache at maxLen tokens).
   */
  growTo(seq: number): number {
    return Math.min(this.maxLen, Math.max(this.length + seq, 2 * this.length, 64));
  }

  /**
   * Stores `k`/`v` ([batch, kvHeads, rows ≥ length + seq, headDim], built by the caller, e.g. the wasm decode
   * attention op growing the cache) as layer `layer`'s buffers; the cache keeps them and frees the old ones.
   */
  replace(layer: number, k: Tensor4D, v: Tensor4D): void {
    const [prevK, prevV] = [this.keys[layer], this.values[layer]];
    this.keys[layer] = tf.keep(k);
    this.values[layer] = tf.keep(v);
    prevK?.dispose();
    prevV?.dispose();
  }

  /** Padding of [0, length + seq) given the new tokens' mask (null = all real); null when nothing is padding. */
  keyMask(newMask: Uint8Array[] | null, seq: number): Uint8Array[] | null {
    if (!newMask && !this.padding) return null;
    const rows: Uint8Array[] = [];
    for (let b = 0; b < this.batch; b++) {
      const row = new Uint8Array(this.length + seq).fill(1);
      if (this.padding) row.set(this.padding[b].subarray(0, this.length));
      if (newMask) row.set(newMask[b].subarray(0, seq), this.length);
      rows.push(row);
    }
    return rows;
  }

  /** Records that `seq` tokens (with mask `fullMask` over the whole history, or null) were appended to every layer. */
  commit(seq: number, fullMask: Uint8Array[] | null): void {
    this.length += seq;
    this.padding = fullMask;
  }

  dispose(): void {
    for (const t of [...this.keys, ...this.values]) t?.dispose();
    this.keys.fill(null);
    this.values.fill(null);
    this.disposed = true;
  }
}
