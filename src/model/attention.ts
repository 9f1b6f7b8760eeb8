/**
 * Self-attention of the decoder (`llama.ts`), HF Llama semantics: projections, RoPE (by cos/sin, or one matrix per
 * row when decoding), the KV cache, grouped-query attention in query chunks, and the wasm decode op that does a
 * token's attention per layer in one kernel inside generation.
 */
import { decodeAttentionAvailable, fusedDecodeAttention } from '../backend/kernels/decode-attention-wasm';
import { fusedRope, ropeKernelAvailable } from '../backend/kernels/rope-wasm';
import { tf, type Tensor, type Tensor2D, type Tensor3D, type Tensor4D } from '../backend/tf';
import { batchedMatMul, batchedMatMulTransposeB } from './batched-matmul';
import type { ModelConfig } from './config';
import type { KVCache } from './kv-cache';
import type { AdapterHook } from './linear';
import { applyRope } from './rope';
import { fusedGenerationOps, rmsNorm } from './rms-norm';
import { linearPath, project, type LayerWeights } from './weights';

/** Per-forward inputs shared by every layer. */
export interface AttentionContext {
  config: ModelConfig;
  batch: number;
  seq: number;
  /**
   * RoPE by the tables' rows for these tokens: cos and sin [batch | 1, seq, 1, headDim], and rotate_half as a
   * [headDim, headDim] matrix (owned by the model's RoPE tables). Null when `ropeMatrices` is set.
   */
  ropeRows: { cos: Tensor4D; sin: Tensor4D; rotation: Tensor2D } | null;
  /**
   * One new token per row (decoding): RoPE as [batch | 1, headDim, headDim] matrices (`RopeTables.decodeMatrices`),
   * q's with the 1/√headDim score scale folded in: one matMul per q and k, and no rows sliced from the tables.
   */
  ropeMatrices: { q: Tensor3D; k: Tensor3D } | null;
  /** Additive mask [batch | 1, 1, seq, past + seq], or null when every key is visible. */
  mask: Tensor | null;
  hook: AdapterHook | null | undefined;
  cache: KVCache | null;
  /** Most attention scores (batch·heads·queries·keys) materialized at once; longer inputs go in query chunks. */
  scoreBudget: number;
}

/** Default `scoreBudget`: 32 M scores (128 MiB in f32, twice that with the softmax). */
export const DEFAULT_SCORE_BUDGET = 1 << 25;

/**
 * Self-attention, HF Llama semantics. All heads are computed in one batched matMul: the query heads that share a KV
 * head are folded into the row axis ([batch, kvHeads, group·seq, headDim]), so keys and values are never repeated in
 * memory and there is no per-head loop in JS; head h uses KV head ⌊h / group⌋, as `repeat_kv` does.
 * Biases (Qwen2's q/k/v) live in the projections' `Linear`s. x: [batch·seq, hidden] → [batch·seq, hidden]. Caller owns
 * the result.
 */
export function attention(layer: LayerWeights, i: number, x: Tensor2D, ctx: AttentionContext): Tensor2D {
  return tf.tidy(() => {
    const { batch, seq, hook } = ctx;
    const { heads, kvHeads, headDim, rmsNormEps } = ctx.config;
    if (fusedDecode(ctx)) return decodeAttention(layer, i, x, ctx);
    let q = project(layer.q, linearPath(i, 'q_proj'), x, hook).reshape([batch, seq, heads, headDim]) as Tensor4D;
    let k = project(layer.k, linearPath(i, 'k_proj'), x, hook).reshape([batch, seq, kvHeads, headDim]) as Tensor4D;
    const v = project(layer.v, linearPath(i, 'v_proj'), x, hook).reshape([batch, seq, kvHeads, headDim]) as Tensor4D;
    if (layer.qNorm && layer.kNorm) {
      q = rmsNorm(q, layer.qNorm, rmsNormEps); // Qwen3: normalizes each head's [headDim] vector
      k = rmsNorm(k, layer.kNorm, rmsNormEps);
    }
    // Scale q before the product: seq·headDim multiplies instead of seq·total (the decode matrices hold it already,
    // the one-kernel RoPE applies it in the same pass).
    const scale = 1 / Math.sqrt(headDim);
    const { ropeMatrices: byMatrix, ropeRows: rows } = ctx;
    if (byMatrix) {
      q = rotateRows(q, byMatrix.q); // [batch, seq, heads, headDim], scaled
      k = rotateRows(k, byMatrix.k); // [batch, seq, kvHeads, headDim]
    } else if (!rows) {
      throw new Error('attention: no RoPE rows or matrices for this forward');
    } else if (ropeKernelAvailable()) {
      q = fusedRope(q, rows.cos, rows.sin, scale); // [batch, seq, heads, headDim], scaled
      k = fusedRope(k, rows.cos, rows.sin); // [batch, seq, kvHeads, headDim]
    } else {
      q = tf.mul(applyRope(q, rows.cos, rows.sin, rows.rotation), scale); // [batch, seq, heads, headDim], scaled
      k = applyRope(k, rows.cos, rows.sin, rows.rotation); // [batch, seq, kvHeads, headDim]
    }
    let keys = swapAxes12(k); // [batch, kvHeads, seq, headDim]
    let values = swapAxes12(v); // [batch, kvHeads, seq, headDim]
    if (ctx.cache) ({ k: keys, v: values } = ctx.cache.append(i, keys, values)); // [batch, kvHeads, total, headDim]
    const qh = swapAxes12(q); // [batch, heads, seq, headDim]
    const out = chunkedAttend(qh, keys, values, ctx.mask, ctx.scoreBudget); // [batch, heads, seq, headDim]
    const merged = swapAxes12(out).reshape([batch * seq, heads * headDim]) as Tensor2D; // [batch·seq, heads·headDim]
    return project(layer.o, linearPath(i, 'o_proj'), merged, hook); // [batch·seq, hidden]
  });
}

/**
 * Whether this forward's attention runs as the wasm decode op: generation with a cache, one row, one new token,
 * no mask, RoPE by one shared pair of matrices.
 */
function fusedDecode(ctx: AttentionContext): boolean {
  const m = ctx.ropeMatrices;
  return (
    ctx.cache !== null &&
    ctx.batch === 1 &&
    ctx.seq === 1 &&
    ctx.mask === null &&
    m !== null &&
    m.q.shape[0] === 1 &&
    fusedGenerationOps() &&
    decodeAttentionAvailable()
  );
}

/** `attention` for one token of one row through the wasm decode op; the cache keeps the op's keys and values. */
function decodeAttention(layer: LayerWeights, i: number, x: Tensor2D, ctx: AttentionContext): Tensor2D {
  const { hook, config, cache, ropeMatrices } = ctx;
  const { heads, kvHeads, headDim, rmsNormEps } = config;
  let q: Tensor = project(layer.q, linearPath(i, 'q_proj'), x, hook); // [1, heads·headDim]
  let k: Tensor = project(layer.k, linearPath(i, 'k_proj'), x, hook); // [1, kvHeads·headDim]
  const v = project(layer.v, linearPath(i, 'v_proj'), x, hook); // [1, kvHeads·headDim]
  if (layer.qNorm && layer.kNorm) {
    q = rmsNorm(q.reshape([heads, headDim]), layer.qNorm, rmsNormEps); // [heads, headDim]
    k = rmsNorm(k.reshape([kvHeads, headDim]), layer.kNorm, rmsNormEps); // [kvHeads, headDim]
  }
  const { out, grown } = fusedDecodeAttention({ q, k, v, mq: ropeMatrices!.q, mk: ropeMatrices!.k }, cache!.past(i), {
    heads,
    kvHeads,
    headDim,
    past: cache!.length,
    capacity: cache!.growTo(1),
  }); // out [1, heads·headDim]; the token's key and value went into the cache's buffers, or into grown ones
  if (grown) cache!.replace(i, grown.keys, grown.values);
  return project(layer.o, linearPath(i, 'o_proj'), out, hook); // [1, hidden]
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
  const [, kvHeads, total] = keys.shape;
  const past = total - seq;
  const causal = causalChunkRows(seq, mask);
  const rows = Math.min(causal, Math.max(1, Math.floor(budget / (batch * heads * total))));
  if (rows >= seq) return attend(qh, keys, values, mask);
  return tf.tidy(() => {
    const parts: Tensor4D[] = [];
    for (let s0 = 0; s0 < seq; s0 += rows) {
      const c = Math.min(rows, seq - s0);
      // Where chunks follow the causal mask, the keys after the chunk's last query are masked for all its rows
      const seen = causal < seq ? past + s0 + c : total;
      const q = qh.slice([0, 0, s0, 0], [batch, heads, c, headDim]);
      const k = seen < total ? keys.slice([0, 0, 0, 0], [batch, kvHeads, seen, headDim]) : keys;
      const v = seen < total ? values.slice([0, 0, 0, 0], [batch, kvHeads, seen, headDim]) : values;
      const m = mask ? mask.slice([0, 0, s0, 0], [mask.shape[0], 1, c, seen]) : null;
      parts.push(attend(q, k, v, m));
    }
    return tf.concat(parts, 2) as Tensor4D; // [batch, heads, seq, headDim]
  });
}

/** Query rows per causal chunk (`chunkedAttend`); Infinity turns the chunks off (tests compare). */
export const causalChunkSettings = { rows: 128 };

/**
 * Query rows per chunk that skips masked keys, or `seq` (no such chunks). Every mask here is causal
 * (attention-mask.ts: key j is visible to query i only if j ≤ i), so a chunk of queries needs the keys up to its
 * last query only, and the scores and products past them (exp(−10⁹) = 0 in f32) are skipped: 4 chunks do 5/8 of
 * the work, 8 do 9/16. Outside gradients only (prefill, scoring): training keeps one pass, whose saved tensors the
 * memory estimate counts. A padding query that sees no key gets a uniform softmax over the keys its chunk was given
 * (the whole row before): its output is never read.
 */
function causalChunkRows(seq: number, mask: Tensor | null): number {
  const { rows } = causalChunkSettings;
  if (!mask || seq < 2 * rows || tf.engine().isTapeOn()) return seq;
  return rows;
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
