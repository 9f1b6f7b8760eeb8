/**
 * The Llama-family decoder, top to bottom (Llama 2/3, Mistral, Qwen2, Qwen3; SmolLM2 and TinyLlama are Llama), as
 * HF's `modeling_llama.py` writes it and in the order nanoGPT's `model.py` reads:
 *
 *   RMSNorm → attention (q/k/v with optional biases, Qwen3's q/k norm, RoPE, grouped-query heads, causal/padding
 *   mask, softmax, o_proj) → SwiGLU MLP → the pre-norm residual block → the model: token embedding → `layers` ×
 *   block → final RMSNorm → LM head (tied to the embedding or separate).
 *
 * Every q/k/v/o/gate/up/down is a frozen `Linear` (dense, or quantized: quant-linear.ts) plus the optional adapter
 * hook through which LoRA/DoRA add their deltas (src/lora). Kept apart, each one concept: the matmul kernels
 * (batched-matmul.ts, frozen-matmul.ts), attention (attention.ts), RMSNorm (rms-norm.ts), the RoPE tables (rope.ts),
 * the mask and position ids (attention-mask.ts), the KV cache (kv-cache.ts), the embedding table's storages
 * (embeddings.ts, row-blocks.ts) and loading (load.ts).
 */
import { fusedSwiGlu } from '../backend/kernels/generation-ops-wasm';
import { tf, type Tensor2D, type Tensor3D } from '../backend/tf';
import { buildAttentionMask, buildPositions, readAttentionMask } from './attention-mask';
import { attention, DEFAULT_SCORE_BUDGET, type AttentionContext } from './attention';
import type { ModelConfig } from './config';
import { embedTokens } from './embeddings';
import { matMulFrozenT } from './frozen-matmul';
import { DECODE_HEAD_MAX_VALUES, DecodeHeadCopies } from './decode-head';
import { QuantLinear } from './quant-linear';
import { KVCache } from './kv-cache';
import type { AdapterHook, Linear } from './linear';
import { sequenceLogProbs } from './log-probs';
import { countParameters } from './memory-estimate';
import { RopeTables } from './rope';
import { fusedGenerationOps, rmsNorm } from './rms-norm';
import { RowBlockMatrix, type FloatTable } from './row-blocks';
import {
  disposeWeights,
  linearPath,
  linearsByPath,
  project,
  weightsByteSize,
  type LayerWeights,
  type ModelWeights,
} from './weights';

// ─── MLP and the block ───────────────────────────────────────────────────────────────────────────────────────────

/** SwiGLU feed-forward: down(silu(gate(x)) ⊙ up(x)), as in HF `LlamaMLP`. x: [rows, hidden] → [rows, hidden]. */
function mlp(layer: LayerWeights, i: number, x: Tensor2D, hook: AdapterHook | null | undefined): Tensor2D {
  return tf.tidy(() => {
    const gate = project(layer.gate, linearPath(i, 'gate_proj'), x, hook); // [rows, intermediate]
    const up = project(layer.up, linearPath(i, 'up_proj'), x, hook); // [rows, intermediate]
    const act = fusedGenerationOps() ? fusedSwiGlu(gate, up) : (tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as Tensor2D); // silu(gate) ⊙ up
    return project(layer.down, linearPath(i, 'down_proj'), act, hook); // [rows, hidden]
  });
}

/**
 * The pre-norm decoder layer (HF `LlamaDecoderLayer`): x + attn(norm(x)), then + mlp(norm(·)).
 * x: [batch·seq, hidden] → [batch·seq, hidden]. Caller owns the result.
 */
function decoderLayer(layer: LayerWeights, i: number, x: Tensor2D, ctx: AttentionContext): Tensor2D {
  return tf.tidy(() => {
    const eps = ctx.config.rmsNormEps;
    const h = tf.add(x, attention(layer, i, rmsNorm(x, layer.inputNorm, eps), ctx)) as Tensor2D; // [batch·seq, hidden]
    return tf.add(h, mlp(layer, i, rmsNorm(h, layer.postAttentionNorm, eps), ctx.hook)) as Tensor2D; // [batch·seq, hidden]
  });
}

// ─── The model ───────────────────────────────────────────────────────────────────────────────────────────────────

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
   * Largest f32 LM head (vocab·hidden values) that gets a transposed copy for decoding on wasm (decode-head.ts);
   * 0 turns it off. The default (8 Mi values, 32 MiB) covers the demo model and small vocabularies, not 150k-token
   * ones, where the copy and XNNPACK's packed copy of it would add ≥ 2× the head's bytes.
   */
  decodeHeadMaxValues = DECODE_HEAD_MAX_VALUES;
  /** Whether the LM head may build its decode-only copies (decode-head.ts); a training run turns it off. */
  decodeCopies = true;
  private readonly rope: RopeTables;
  /** Decode-only copies of the LM head on wasm (decode-head.ts), built on first use. */
  private readonly headCopies = new DecodeHeadCopies();
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
    return tf.tidy(() => this.logits(this.hiddenStates(ids, opts))); // [batch, seq, vocab]
  }

  /** ids: int32 [batch, seq] → final-normed hidden states [batch, seq, hidden] (for chunked losses). Caller owns it. */
  hiddenStates(ids: Tensor2D, opts: ForwardOptions = {}): Tensor3D {
    this.assertAlive();
    const [batch, seq] = ids.shape;
    if (seq === 0) throw new Error('forward: empty sequence');
    const cache = opts.cache ?? null;
    cache?.check(batch, seq);
    const past = cache?.length ?? 0;
    const newMask = readAttentionMask(opts.attentionMask, batch, seq, past);
    const keyMask = cache ? cache.keyMask(newMask, seq) : newMask;
    const result = tf.tidy(() => {
      const ctx = this.context(batch, seq, past, keyMask, opts);
      let x = embedTokens(this.weights, ids, this.config.vocab, this.config.hidden); // [batch·seq, hidden]
      for (let i = 0; i < this.config.layers; i++) x = this.layer(i, x, ctx); // [batch·seq, hidden]
      x = rmsNorm(x, this.weights.norm, this.config.rmsNormEps); // [batch·seq, hidden]
      return x.reshape([batch, seq, this.config.hidden]) as Tensor3D; // [batch, seq, hidden]
    });
    cache?.commit(seq, keyMask);
    return result;
  }

  /** h: [batch, seq, hidden] → logits [batch, seq, vocab] through the (tied or separate) LM head. Caller owns it. */
  logits(h: Tensor3D): Tensor3D {
    return tf.tidy(() => {
      const [batch, seq, hidden] = h.shape;
      const rows = h.reshape([batch * seq, hidden]) as Tensor2D; // [batch·seq, hidden]
      const host = this.weights.hostEmbeddings;
      const head = this.weights.lmHead ?? this.weights.embed; // [vocab, hidden]
      if (!host && !head) throw new Error('model weights have no LM head');
      const out = host ? host.head.apply(rows) : this.headProduct(rows, head!); // [batch·seq, vocab]
      return out.reshape([batch, seq, this.config.vocab]) as Tensor3D; // [batch, seq, vocab]
    });
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
    const keyMask = readAttentionMask(opts.attentionMask, batch, seq, 0);
    const ctx = this.context(batch, seq, 0, keyMask, opts, false); // whole sequences: RoPE by cos/sin, no cache
    const eps = this.config.rmsNormEps;
    return {
      layers: this.weights.layers.length,
      embed: () => embedTokens(this.weights, ids, this.config.vocab, this.config.hidden), // [batch·seq, hidden]
      layer: (i, x) => this.layer(i, x, ctx),
      finalNorm: (x) => rmsNorm(x, this.weights.norm, eps),
      dispose: () => tf.dispose([ctx.ropeRows?.cos, ctx.ropeRows?.sin, ctx.mask ?? undefined]), // tf.dispose skips undefined
    };
  }

  /** Decoder layer `i` (announced to `onLayer` first). [batch·seq, hidden] → same. Caller owns it. */
  private layer(i: number, x: Tensor2D, ctx: AttentionContext): Tensor2D {
    this.onLayer?.(i);
    return decoderLayer(this.weights.layers[i], i, x, ctx);
  }

  /**
   * RoPE, mask and options of one forward over `seq` new tokens after `past` cached ones; one new token per row
   * rotates by matrices (`decodeRope`). The caller owns cos, sin, mask and the RoPE matrices.
   */
  private context(
    batch: number,
    seq: number,
    past: number,
    keyMask: Uint8Array[] | null,
    opts: ForwardOptions,
    decodeRope = seq === 1,
  ): AttentionContext {
    const positions = buildPositions(batch, seq, past, keyMask); // [batch·seq] or null: past .. past + seq − 1
    // Decoding rotates by matrices: the tables' rows (two slices and reshapes a step) would go unused
    const ropeRows = decodeRope ? null : this.rope.forTokens(batch, seq, past, positions); // [batch | 1, seq, 1, headDim]
    const m = buildAttentionMask({ batch, seq, past, keyMask, slidingWindow: this.config.slidingWindow });
    const mask = m ? tf.tensor4d(m.data, [m.rows, 1, seq, past + seq]) : null; // [batch | 1, 1, seq, past + seq]
    return {
      config: this.config,
      batch,
      seq,
      ropeRows,
      ropeMatrices: decodeRope ? this.rope.decodeMatrices(positions ?? [past]) : null,
      mask,
      hook: opts.hook,
      cache: opts.cache ?? null,
      scoreBudget: this.maxAttentionScores,
    };
  }

  /** rows [n, hidden] · head [vocab, hidden]ᵀ → [n, vocab], no gradient to the head. */
  private headProduct(rows: Tensor2D, head: FloatTable): Tensor2D {
    if (head instanceof RowBlockMatrix) return head.matMulT(rows); // [n, vocab], past one storage binding
    const packedBase = this.weights.layers[0]?.q instanceof QuantLinear;
    const copy = this.decodeCopies && this.headCopies.product(rows, head, this.decodeHeadMaxValues, packedBase);
    return copy || matMulFrozenT(rows, head); // [n, vocab]
  }

  /** Frees the decode-only copies of the head (before training, whose estimate does not hold them). */
  releaseDecodeCopies(): void {
    this.headCopies.release();
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
    return linearsByPath(this.weights);
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
    return weightsByteSize(this.weights);
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
    this.releaseDecodeCopies();
    disposeWeights(this.weights);
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('model used after dispose()');
  }
}
