/**
 * One Llama-family decoder layer, top to bottom (Llama 2/3, Mistral, Qwen2, Qwen3; SmolLM2 and TinyLlama are
 * Llama), as HF's `modeling_llama.py` writes it: RMSNorm, grouped-query self-attention, SwiGLU MLP, and the
 * pre-norm residual block that chains them. `decoder-model.ts` stacks these blocks between the embedding and the
 * LM head; the matmul kernels (batched-matmul.ts, frozen-matmul.ts) and the quantized linears stay apart.
 *
 * Attention, HF Llama semantics: q/k/v projections (optional bias), Qwen3's per-head RMSNorm on q and k, RoPE,
 * scaled dot product with an additive causal/padding mask, softmax in f32, o_proj. All heads are computed in one
 * batched matMul: the query heads that share a KV head are folded into the row axis
 * ([batch, kvHeads, group·seq, headDim]), so keys and values are never repeated in memory and there is no per-head
 * loop in JS. Head h uses KV head ⌊h / group⌋, as `repeat_kv` does.
 */
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor3D, type Tensor4D } from '../backend/tf';
import { batchedMatMul, batchedMatMulTransposeB } from './batched-matmul';
import type { ModelConfig } from './config';
import type { KVCache } from './kv-cache';
import type { AdapterHook } from './linear';
import { applyRope } from './rope';
import { linearPath, project, type LayerWeights } from './weights';

/**
 * RMSNorm as in HF `LlamaRMSNorm`: `weight * x / sqrt(mean(x²) + eps)` over the last axis, computed in f32 (our
 * tensors are f32 already, so there is no up/down cast to mirror). x: [..., dim], weight: [dim] → [..., dim].
 * Caller owns the result.
 */
export function rmsNorm<T extends Tensor>(x: T, weight: Tensor1D, eps: number): T {
  return tf.tidy(() => {
    const variance = tf.mean(tf.square(x), -1, true); // [..., 1]
    return tf.mul(tf.mul(x, tf.rsqrt(tf.add(variance, eps))), weight) as T;
  });
}

/** Per-forward inputs shared by every layer. */
export interface AttentionContext {
  batch: number;
  seq: number;
  cos: Tensor4D; // [batch | 1, seq, 1, headDim]
  sin: Tensor4D; // [batch | 1, seq, 1, headDim]
  /** rotate_half as a [headDim, headDim] matrix (owned by the model's RoPE tables). */
  rotation: Tensor2D;
  /**
   * One new token per row (decoding): RoPE as [batch | 1, headDim, headDim] matrices (`RopeTables.matrices`), q's
   * with the 1/√headDim score scale folded in. When set, cos/sin/rotation are not used: one matMul per q and k.
   */
  ropeMatrices?: { q: Tensor3D; k: Tensor3D } | null;
  /** Additive mask [batch | 1, 1, seq, past + seq], or null when every key is visible. */
  mask: Tensor | null;
  hook: AdapterHook | null | undefined;
  cache: KVCache | null | undefined;
  /** Most attention scores (batch·heads·queries·keys) materialized at once; longer inputs go in query chunks. */
  scoreBudget?: number;
}

/** Default `scoreBudget`: 32 M scores (128 MiB in f32, twice that with the softmax). */
export const DEFAULT_SCORE_BUDGET = 1 << 25;

/** Self-attention. x: [batch·seq, hidden] → [batch·seq, hidden]. Caller owns the result. */
export function attention(
  config: ModelConfig,
  layer: LayerWeights,
  index: number,
  x: Tensor2D,
  ctx: AttentionContext,
): Tensor2D {
  return tf.tidy(() => {
    const { batch, seq } = ctx;
    const { heads, kvHeads, headDim } = config;
    let q = project(layer.q, linearPath(index, 'q_proj'), x, ctx.hook).reshape([
      batch,
      seq,
      heads,
      headDim,
    ]) as Tensor4D;
    let k = project(layer.k, linearPath(index, 'k_proj'), x, ctx.hook).reshape([
      batch,
      seq,
      kvHeads,
      headDim,
    ]) as Tensor4D;
    const v0 = project(layer.v, linearPath(index, 'v_proj'), x, ctx.hook).reshape([batch, seq, kvHeads, headDim]);
    if (layer.qNorm && layer.kNorm) {
      q = rmsNorm(q, layer.qNorm, config.rmsNormEps); // normalizes each head's [headDim] vector
      k = rmsNorm(k, layer.kNorm, config.rmsNormEps);
    }
    const byMatrix = ctx.ropeMatrices;
    q = byMatrix ? rotateRows(q, byMatrix.q) : applyRope(q, ctx.cos, ctx.sin, ctx.rotation);
    k = byMatrix ? rotateRows(k, byMatrix.k) : applyRope(k, ctx.cos, ctx.sin, ctx.rotation);
    let keys = swapAxes12(k); // [batch, kvHeads, seq, headDim]
    let values = swapAxes12(v0 as Tensor4D); // [batch, kvHeads, seq, headDim]
    if (ctx.cache) ({ k: keys, v: values } = ctx.cache.append(index, keys, values)); // [batch, kvHeads, total, headDim]
    // Scale q before the product: seq·headDim multiplies instead of seq·total (the decode matrices hold it already).
    const qh = swapAxes12(byMatrix ? q : (tf.mul(q, 1 / Math.sqrt(headDim)) as Tensor4D)); // [batch, heads, seq, headDim]
    const out = chunkedAttend(qh, keys, values, ctx.mask, ctx.scoreBudget ?? DEFAULT_SCORE_BUDGET); // [batch, heads, seq, headDim]
    const merged = swapAxes12(out).reshape([batch * seq, heads * headDim]) as Tensor2D; // [batch·seq, heads·headDim]
    return project(layer.o, linearPath(index, 'o_proj'), merged, ctx.hook); // [batch·seq, hidden]
  });
}

/**
 * softmax(q·kᵀ + mask)·v for q: [batch, heads, seq, headDim] (pre-scaled), keys/values: [batch, kvHeads, total,
 * headDim], mask: [batch | 1, 1, seq, total] → [batch, heads, seq, headDim]. Caller owns the result.
 */
function attend(qh: Tensor4D, keys: Tensor4D, values: Tensor4D, mask: Tensor | null): Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, seq, headDim] = qh.shape;
    const [, kvHeads, total] = keys.shape;
    const group = heads / kvHeads;
    const qg = qh.reshape([batch, kvHeads, group * seq, headDim]); // query heads sharing a KV head become rows
    let scores = batchedMatMulTransposeB(qg, keys).reshape([batch, heads, seq, total]); // [batch, heads, seq, total]
    if (mask) scores = tf.add(scores, mask);
    const probs = tf.softmax(scores, -1).reshape([batch, kvHeads, group * seq, total]);
    return batchedMatMul(probs, values).reshape([batch, heads, seq, headDim]) as Tensor4D; // [batch, heads, seq, headDim]
  });
}

/**
 * `attend` over query chunks so at most `budget` scores exist at once: scoring or prefilling thousands of tokens
 * would otherwise hold heads·seq² floats (16 heads × 4096² = 1 GiB). Exact (each query row is independent) and
 * differentiable; inputs within budget take one pass.
 */
function chunkedAttend(qh: Tensor4D, keys: Tensor4D, values: Tensor4D, mask: Tensor | null, budget: number): Tensor4D {
  const [batch, heads, seq, headDim] = qh.shape;
  const total = keys.shape[2];
  const rows = Math.max(1, Math.floor(budget / (batch * heads * total)));
  if (rows >= seq) return attend(qh, keys, values, mask);
  return tf.tidy(() => {
    const parts: Tensor4D[] = [];
    for (let s0 = 0; s0 < seq; s0 += rows) {
      const c = Math.min(rows, seq - s0);
      const q = qh.slice([0, 0, s0, 0], [batch, heads, c, headDim]);
      const m = mask ? mask.slice([0, 0, s0, 0], [mask.shape[0], 1, c, total]) : null;
      parts.push(attend(q, keys, values, m));
    }
    return tf.concat(parts, 2) as Tensor4D; // [batch, heads, seq, headDim]
  });
}

/**
 * x: [batch, 1, heads, headDim] (one token per row) · m: [batch | 1, headDim, headDim] → [batch, 1, heads, headDim].
 * A shared m makes one 2-D product over every head of every row. Caller owns the result.
 */
function rotateRows(x: Tensor4D, m: Tensor3D): Tensor4D {
  return tf.tidy(() => {
    const [batch, , heads, dim] = x.shape;
    if (m.shape[0] === 1)
      return tf
        .matMul(x.reshape([batch * heads, dim]) as Tensor2D, m.reshape([dim, dim]) as Tensor2D)
        .reshape(x.shape) as Tensor4D;
    return tf.matMul(x.reshape([batch, heads, dim]) as Tensor3D, m).reshape(x.shape) as Tensor4D; // [batch, heads, headDim]
  });
}

/**
 * [a, b, c, d] → [a, c, b, d]. When b or c is 1 (decoding one token) the memory order is unchanged, so a free
 * reshape replaces the transpose kernel: four fewer dispatches per layer and token on WebGPU.
 */
function swapAxes12(x: Tensor4D): Tensor4D {
  const [a, b, c, d] = x.shape;
  if (b === 1 || c === 1) return x.reshape([a, c, b, d]);
  return tf.transpose(x, [0, 2, 1, 3]);
}

/** SwiGLU feed-forward: down(silu(gate(x)) ⊙ up(x)), as in HF `LlamaMLP`. x: [rows, hidden] → [rows, hidden]. */
export function mlp(layer: LayerWeights, index: number, x: Tensor2D, hook: AdapterHook | null | undefined): Tensor2D {
  return tf.tidy(() => {
    const gate = project(layer.gate, linearPath(index, 'gate_proj'), x, hook); // [rows, intermediate]
    const up = project(layer.up, linearPath(index, 'up_proj'), x, hook); // [rows, intermediate]
    const act = tf.mul(tf.mul(gate, tf.sigmoid(gate)), up) as Tensor2D; // silu(gate) ⊙ up
    return project(layer.down, linearPath(index, 'down_proj'), act, hook); // [rows, hidden]
  });
}

/**
 * The pre-norm decoder layer (HF `LlamaDecoderLayer`): x + attn(norm(x)), then + mlp(norm(·)).
 * x: [batch·seq, hidden] → [batch·seq, hidden]. Caller owns the result.
 */
export function decoderLayer(
  config: ModelConfig,
  layer: LayerWeights,
  index: number,
  x: Tensor2D,
  ctx: AttentionContext,
): Tensor2D {
  return tf.tidy(() => {
    const eps = config.rmsNormEps;
    const h = tf.add(x, attention(config, layer, index, rmsNorm(x, layer.inputNorm, eps), ctx)) as Tensor2D; // [batch·seq, hidden]
    return tf.add(h, mlp(layer, index, rmsNorm(h, layer.postAttentionNorm, eps), ctx.hook)) as Tensor2D; // [batch·seq, hidden]
  });
}
