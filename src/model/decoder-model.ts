/**
 * The Llama-family decoder (Llama 2/3, Mistral, Qwen2, Qwen3; SmolLM2 and TinyLlama are Llama): token embedding,
 * `layers` × the block of `llama.ts` [RMSNorm → attention → residual → RMSNorm → SwiGLU → residual], final
 * RMSNorm, LM head (tied to the embedding or separate). Every q/k/v/o/gate/up/down goes through a frozen `Linear` plus an optional adapter hook.
 */
import { tf, type Tensor, type Tensor2D, type Tensor3D, type Tensor4D } from '../backend/tf';
import { halfToFloatTable } from '../formats/safetensors-dtype';
import { buildAttentionMask, buildPositions } from './attention-mask';
import { decoderLayer, DEFAULT_SCORE_BUDGET, rmsNorm, type AttentionContext } from './llama';
import type { ModelConfig } from './config';
import { KVCache } from './kv-cache';
import type { AdapterHook, Linear } from './linear';
import { countParameters } from './memory-estimate';
import { matMulFrozenT } from './frozen-matmul';
import { RowBlockMatrix, type FloatTable } from './row-blocks';
import { sequenceLogProbs } from './log-probs';
import { checkTokenIds } from './token-ids';
import { RopeTables } from './rope';
import { disposeWeights, linearPath, type ModelWeights } from './weights';
import { LINEAR_MODULE_NAMES } from '../spec/modules';

/** Options of `forward` / `hiddenStates`. */
export interface ForwardOptions {
  /** Adds LoRA (or any low-rank) deltas to the projections; gradients flow to the variables it uses. */
  hook?: AdapterHook | null;
  /** Incremental decoding: keys/values are appended to it and positions continue from `cache.length`. */
  cache?: KVCache | null;
  /**
   * Padding mask, 1 = real token, 0 = padding: [batch, seq] for the new tokens (the cache remembers earlier ones)
   * or [batch, cache.length + seq]. Padded positions never influence real ones, so a right-padded batch gives the
   * same logits on its real tokens as each row alone. A tensor is read back synchronously; pass arrays to avoid it.
   */
  attentionMask?: Tensor2D | ArrayLike<number>[] | null;
}

/** `DecoderModel.stages`: the forward pass one layer at a time (rows are [batch·seq, hidden]). */
export interface DecoderStages {
  readonly layers: number;
  /** Token embeddings [batch·seq, hidden]. */
  embed(): Tensor2D;
  /** Decoder layer `i`: [batch·seq, hidden] → [batch·seq, hidden]. */
  layer(i: number, x: Tensor2D): Tensor2D;
  /** The final RMSNorm, row-wise: [rows, hidden] → [rows, hidden] (rows may be any subset). */
  finalNorm(x: Tensor2D): Tensor2D;
  dispose(): void;
}

/** A loaded decoder. Create with `loadModel` (or `DecoderModel` over weights you built); free with `dispose()`. */
export class DecoderModel {
  /**
   * Most attention scores (batch·heads·queries·keys) one layer materializes at once; longer inputs are attended in
   * query chunks (exact). Lower it to trade speed for memory on long prompts.
   */
  maxAttentionScores = DEFAULT_SCORE_BUDGET;
  /**
   * Called before each decoder layer runs (forward, `stages().layer`, the backward pass's recomputation). The engine
   * worker beats its liveness pulse here: a synchronous wasm training step sends no other message for minutes.
   */
  onLayer: ((layer: number) => void) | null = null;
  /**
   * Largest f32 LM head (vocab·hidden values) that gets a transposed copy for decoding on wasm (see `decodeHead`);
   * 0 turns it off. The default (8 Mi values, 32 MiB) covers the demo model and small vocabularies, not 150k-token
   * ones, where the copy and XNNPACK's packed copy of it would add ≥ 2× the head's bytes.
   */
  decodeHeadMaxValues = 8 * 1024 * 1024;
  private readonly rope: RopeTables;
  /** [hidden, vocab]: the LM head transposed for decoding on wasm, built on first use; null until then. */
  private headT: Tensor2D | null = null;
  private disposed = false;

  constructor(
    readonly config: ModelConfig,
    private readonly weights: ModelWeights,
  ) {
    this.rope = new RopeTables(config);
  }

  /**
   * ids: int32 [batch, seq] → logits [batch, seq, vocab]. Differentiable w.r.t. variables used by `opts.hook`.
   * Caller owns the result.
   */
  forward(ids: Tensor2D, opts: ForwardOptions = {}): Tensor3D {
    return tf.tidy(() => {
      const h = this.hiddenStates(ids, opts); // [batch, seq, hidden]
      return this.logits(h);
    });
  }

  /** ids: int32 [batch, seq] → final-normed hidden states [batch, seq, hidden] (for chunked losses). Caller owns it. */
  hiddenStates(ids: Tensor2D, opts: ForwardOptions = {}): Tensor3D {
    this.assertAlive();
    const [batch, seq] = ids.shape;
    if (seq === 0) throw new Error('forward: empty sequence');
    const cache = opts.cache ?? null;
    cache?.check(batch, seq);
    const past = cache?.length ?? 0;
    const newMask = readMask(opts.attentionMask, batch, seq, past);
    const keyMask = cache ? cache.keyMask(newMask, seq) : newMask;
    const result = tf.tidy(() => {
      const ctx = this.context(batch, seq, past, keyMask, opts);
      let x = this.embedRows(ids); // [batch·seq, hidden]
      for (let i = 0; i < this.config.layers; i++) x = this.decoderLayer(i, x, ctx);
      return rmsNorm(x, this.weights.norm, this.config.rmsNormEps).reshape([
        batch,
        seq,
        this.config.hidden,
      ]) as Tensor3D;
    });
    cache?.commit(seq, keyMask);
    return result;
  }

  /**
   * The forward pass split at layer boundaries, for activation checkpointing in src/train: `embed()` →
   * `layer(i, x)` for each layer → `finalNorm(x)`. Each call is differentiable on its own, so a trainer can keep
   * only the layer inputs and recompute one layer at a time in the backward pass. No KV cache. The caller owns
   * every returned tensor and must `dispose()` the stages (RoPE slices, mask).
   */
  stages(ids: Tensor2D, opts: Pick<ForwardOptions, 'hook' | 'attentionMask'> = {}): DecoderStages {
    this.assertAlive();
    const [batch, seq] = ids.shape;
    if (seq === 0) throw new Error('forward: empty sequence');
    const keyMask = readMask(opts.attentionMask, batch, seq, 0);
    // Keep only the context's tensors (cos, sin, mask); its intermediates (position gathers) are freed here.
    const [cos, sin, mask] = tf.tidy(() => {
      const c = this.context(batch, seq, 0, keyMask, opts);
      return [c.cos, c.sin, c.mask ?? tf.scalar(0)];
    });
    const rotation = this.rope.tables(seq).rotation; // owned by the RoPE tables, not by the stages
    const { hook } = opts;
    const scoreBudget = this.maxAttentionScores;
    const ctx: AttentionContext = {
      batch,
      seq,
      cos,
      sin,
      rotation,
      mask: mask.rank === 0 ? null : mask,
      hook,
      cache: null,
      scoreBudget,
    };
    const eps = this.config.rmsNormEps;
    return {
      layers: this.weights.layers.length,
      embed: () => this.embedRows(ids), // [batch·seq, hidden]
      layer: (i, x) => this.decoderLayer(i, x, ctx),
      finalNorm: (x) => rmsNorm(x, this.weights.norm, eps),
      dispose: () => tf.dispose([cos, sin, mask]),
    };
  }

  /** ids [batch, seq] → token embeddings [batch·seq, hidden]. Caller owns the result. */
  private embedRows(ids: Tensor2D): Tensor2D {
    // Ids come from host arrays (their values stay on the host), so this read is free; WebGPU's gather would
    // turn an out-of-range id into a zero row instead of failing.
    const hostIds = ids.dataSync();
    checkTokenIds(hostIds, this.config.vocab, 'embedding lookup');
    const host = this.weights.hostEmbeddings;
    if (host) return hostEmbeddingRows(host.table, ids, this.config.hidden);
    const embed = this.weights.embed;
    if (!embed) throw new Error('model weights have neither an embedding tensor nor host embeddings');
    // Row blocks pick each id's block on the host, from the ids just read.
    if (embed instanceof RowBlockMatrix) return embed.gatherRows(hostIds);
    return tf.tidy(() => tf.gather(embed, ids.flatten().toInt()) as Tensor2D);
  }

  /** Pre-norm decoder layer `i`: x + attn(norm(x)), then + mlp(norm(·)). [batch·seq, hidden] → same. Caller owns it. */
  private decoderLayer(i: number, x: Tensor2D, ctx: AttentionContext): Tensor2D {
    this.onLayer?.(i);
    return decoderLayer(this.config, this.weights.layers[i], i, x, ctx);
  }

  /** h: [batch, seq, hidden] → logits [batch, seq, vocab] through the (tied or separate) LM head. Caller owns it. */
  logits(h: Tensor3D): Tensor3D {
    return tf.tidy(() => {
      const [batch, seq, hidden] = h.shape;
      const rows = h.reshape([batch * seq, hidden]) as Tensor2D;
      const host = this.weights.hostEmbeddings;
      const head = this.weights.lmHead ?? this.weights.embed; // [vocab, hidden]
      if (!host && !head) throw new Error('model weights have no LM head');
      const out = host ? host.head.apply(rows) : this.headProduct(rows, head!); // [batch·seq, vocab]
      return out.reshape([batch, seq, this.config.vocab]) as Tensor3D;
    });
  }

  /**
   * rows [n, hidden] · head [vocab, hidden]ᵀ → [n, vocab], no gradient to the head. A decode step (n ≤ 4) on wasm
   * uses the transposed copy: XNNPACK packs a matMul's right operand once per tensor and keeps it, so x·headᵀ from
   * [hidden, vocab] runs its GEMM at full width, while x·headᵀ from [vocab, hidden] must run as (head·xᵀ)ᵀ with a
   * one-column right operand (the small bench model's 4096-token head: ~1 ms → ~0.15 ms per token, Node).
   */
  private headProduct(rows: Tensor2D, head: FloatTable): Tensor2D {
    if (head instanceof RowBlockMatrix) return head.matMulT(rows); // [n, vocab], past one storage binding
    const headT = rows.shape[0] <= 4 ? this.decodeHead(head) : null;
    return headT ? tf.matMul(rows, headT) : matMulFrozenT(rows, head);
  }

  /** The transposed head for decoding, built once; null off wasm or above `decodeHeadMaxValues`. */
  private decodeHead(head: Tensor2D): Tensor2D | null {
    if (this.headT) return this.headT;
    if (tf.getBackend() !== 'wasm' || head.size > this.decodeHeadMaxValues) return null;
    this.headT = tf.keep(tf.transpose(head) as Tensor2D); // [hidden, vocab], owned by the model
    return this.headT;
  }

  private context(
    batch: number,
    seq: number,
    past: number,
    keyMask: Uint8Array[] | null,
    opts: ForwardOptions,
  ): AttentionContext {
    const dim = this.config.headDim;
    const table = this.rope.tables(past + seq);
    const positions = buildPositions(batch, seq, past, keyMask);
    let cos: Tensor;
    let sin: Tensor;
    if (positions) {
      const pos = tf.tensor1d(positions, 'int32'); // [batch·seq]
      cos = tf.gather(table.cos, pos).reshape([batch, seq, 1, dim]);
      sin = tf.gather(table.sin, pos).reshape([batch, seq, 1, dim]);
    } else {
      cos = table.cos.slice([past, 0], [seq, dim]).reshape([1, seq, 1, dim]);
      sin = table.sin.slice([past, 0], [seq, dim]).reshape([1, seq, 1, dim]);
    }
    const m = buildAttentionMask({ batch, seq, past, keyMask, slidingWindow: this.config.slidingWindow });
    const mask = m ? tf.tensor4d(m.data, [m.rows, 1, seq, past + seq]) : null;
    const { hook, cache } = opts;
    const scoreBudget = this.maxAttentionScores;
    const ropeMatrices = seq === 1 ? this.decodeRope(positions ?? [past]) : null;
    return {
      batch,
      seq,
      cos: cos as Tensor4D,
      sin: sin as Tensor4D,
      rotation: table.rotation,
      ropeMatrices,
      mask,
      hook,
      cache,
      scoreBudget,
    };
  }

  /**
   * RoPE matrices for one new token per row at `positions` (one shared matrix when every row is at the same
   * position), q's carrying the 1/√headDim score scale. [rows, headDim, headDim] each; freed by the forward's tidy.
   */
  private decodeRope(positions: ArrayLike<number>): { q: Tensor3D; k: Tensor3D } {
    const dim = this.config.headDim;
    const same = Array.prototype.every.call(positions, (p: number) => p === positions[0]);
    const at = same ? [positions[0]] : positions;
    const q = tf.tensor3d(this.rope.matrices(at, 1 / Math.sqrt(dim)), [at.length, dim, dim]);
    const k = tf.tensor3d(this.rope.matrices(at), [at.length, dim, dim]);
    return { q, k };
  }

  /** A cache for `batch` rows and up to `maxLen` tokens in total (prompt + generated). Free with `cache.dispose()`. */
  createCache(batch: number, maxLen: number): KVCache {
    this.assertAlive();
    return new KVCache(batch, maxLen, this.config.layers);
  }

  /**
   * Natural-log probability of each `ids[i]` given `ids[0..i)`; entry 0 is null (nothing precedes it).
   * Computed in one forward pass; `opts.hook` scores with an adapter.
   */
  async logProbs(ids: readonly number[], opts: { hook?: AdapterHook | null } = {}): Promise<(number | null)[]> {
    return sequenceLogProbs(this, ids, opts.hook);
  }

  /** Every frozen projection by HF module path (`model.layers.0.self_attn.q_proj`). */
  linears(): Map<string, Linear> {
    const out = new Map<string, Linear>();
    this.weights.layers.forEach((l, i) => {
      const byName = {
        q_proj: l.q,
        k_proj: l.k,
        v_proj: l.v,
        o_proj: l.o,
        gate_proj: l.gate,
        up_proj: l.up,
        down_proj: l.down,
      };
      for (const name of LINEAR_MODULE_NAMES) out.set(linearPath(i, name), byName[name]);
    });
    return out;
  }

  /** Parameters of the checkpoint (weights + biases + norms; a tied LM head counted once). */
  parameterCount(): number {
    return countParameters(this.config);
  }

  /**
   * Bytes the loaded weights occupy on the backend (linears as stored, float tensors at 4 bytes/value, a compact
   * f16 LM head as packed); host-side embedding tables are reported by `hostByteSize()`.
   */
  byteSize(): number {
    const w = this.weights;
    let floats = (w.embed?.size ?? 0) + w.norm.size + (w.lmHead?.size ?? 0);
    for (const l of w.layers)
      floats += l.inputNorm.size + l.postAttentionNorm.size + (l.qNorm?.size ?? 0) + (l.kNorm?.size ?? 0);
    let bytes = floats * 4 + (w.hostEmbeddings?.head.byteSize ?? 0);
    for (const lin of this.linears().values()) bytes += lin.byteSize;
    return bytes;
  }

  /** Bytes held in host memory: the f16 embedding table of compact embeddings, else 0. */
  hostByteSize(): number {
    return this.weights.hostEmbeddings?.table.byteLength ?? 0;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.rope.dispose();
    this.headT?.dispose();
    this.headT = null;
    disposeWeights(this.weights);
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('model used after dispose()');
  }
}

/**
 * Gathers embedding rows from the host f16 table and uploads them: [batch·seq, hidden]. The ids are read on the host
 * (callers build them from JS arrays, so no device readback happens). Caller owns the result.
 */
function hostEmbeddingRows(table: Uint16Array, ids: Tensor2D, hidden: number): Tensor2D {
  const values = ids.dataSync();
  const half = halfToFloatTable();
  const rows = new Float32Array(values.length * hidden);
  for (let r = 0; r < values.length; r++) {
    const id = values[r];
    const src = id * hidden;
    const dst = r * hidden;
    for (let c = 0; c < hidden; c++) rows[dst + c] = half[table[src + c]];
  }
  return tf.tensor2d(rows, [values.length, hidden]);
}

/** Normalizes `attentionMask` to per-row 0/1 arrays over the new tokens, or null. */
function readMask(
  mask: ForwardOptions['attentionMask'],
  batch: number,
  seq: number,
  past: number,
): Uint8Array[] | null {
  if (!mask) return null;
  const rows: ArrayLike<number>[] = Array.isArray(mask) ? mask : ((mask as Tensor2D).arraySync() as number[][]);
  if (rows.length !== batch) throw new Error(`attentionMask has ${rows.length} rows, ids have ${batch}`);
  let padded = false;
  const out = rows.map((r, b) => {
    if (r.length !== seq && r.length !== past + seq) {
      throw new Error(`attentionMask row ${b} has length ${r.length}; expected ${seq} (new tokens) or ${past + seq}`);
    }
    const from = r.length === seq ? 0 : past;
    const row = new Uint8Array(seq);
    for (let t = 0; t < seq; t++) {
      row[t] = r[from + t] ? 1 : 0;
      if (!row[t]) padded = true;
    }
    return row;
  });
  // An all-ones mask changes nothing: skip the per-row positions and mask upload.
  return padded ? out : null;
}
