/**
 * The loaded tensors of a decoder, named after the checkpoint so loading is a one-to-one map
 * (`model.layers.{i}.self_attn.q_proj.weight` → `layers[i].q`).
 */
import { untapedGeneration } from '../backend/generation-scope';
import { fusedLowRankAdd, lowRankAddAvailable } from '../backend/kernels/low-rank-add-wasm';
import type { Tensor1D, Tensor2D } from '../backend/tf';
import { LINEAR_MODULE_NAMES } from '../spec/modules';
import type { AdapterHook, Linear } from './linear';
import type { FloatTable } from './row-blocks';

export interface LayerWeights {
  inputNorm: Tensor1D; // [hidden]
  postAttentionNorm: Tensor1D; // [hidden]
  q: Linear; // [heads·headDim, hidden]
  k: Linear; // [kvHeads·headDim, hidden]
  v: Linear; // [kvHeads·headDim, hidden]
  o: Linear; // [hidden, heads·headDim]
  gate: Linear; // [intermediate, hidden]
  up: Linear; // [intermediate, hidden]
  down: Linear; // [hidden, intermediate]
  /** Qwen3 per-head norms, [headDim]. */
  qNorm: Tensor1D | null;
  kNorm: Tensor1D | null;
}

/**
 * Compact token embeddings (`loadModel(..., { embeddings: 'f16' })`): the lookup table stays on the host as half
 * floats and the LM head is a packed f16 `Linear` on the backend, halving the largest float tensors of small models
 * (Qwen3-0.6B: 594 MiB of f32 embedding on the GPU → 297 MiB f16 head + a host table).
 */
export interface HostEmbeddings {
  /** [vocab, hidden] IEEE half bits, row-major. */
  table: Uint16Array;
  /** LM head [vocab, hidden] (the embedding itself when tied), packed f16; row blocks past a storage binding. */
  head: Linear;
}

export interface ModelWeights {
  /**
   * [vocab, hidden] f32 on the backend (row blocks when larger than one storage binding, see row-blocks.ts); null
   * when `hostEmbeddings` holds the embeddings.
   */
  embed: FloatTable | null;
  layers: LayerWeights[];
  norm: Tensor1D; // [hidden]
  /** [vocab, hidden] (row blocks as `embed`); null when tied to `embed` (or when `hostEmbeddings` is set). */
  lmHead: FloatTable | null;
  hostEmbeddings?: HostEmbeddings | null;
}

/** HF module path of layer `i`'s projection (the key LoRA adapters use). */
export function linearPath(i: number, name: string): string {
  const group = name === 'gate_proj' || name === 'up_proj' || name === 'down_proj' ? 'mlp' : 'self_attn';
  return `model.layers.${i}.${group}.${name}`;
}

/** `base.apply(x)` plus the hook's low-rank delta for `path`: x [rows, in] → [rows, out]. Caller owns the result. */
export function project(base: Linear, path: string, x: Tensor2D, hook: AdapterHook | null | undefined): Tensor2D {
  const y = base.apply(x);
  // In generation on wasm a plain LoRA delta runs as one fused op per term (low-rank-add-wasm.ts)
  const terms = hook && untapedGeneration() && lowRankAddAvailable() ? (hook.lowRankTerms?.(path) ?? null) : null;
  if (terms) return terms.reduce((acc, t) => swap(acc, fusedLowRankAdd(acc, x, t.a, t.b, t.scale)), y);
  const summed = hook?.addDelta?.(path, x, { linear: base, y });
  if (summed) return swap(y, summed);
  const delta = hook?.delta(path, x, { linear: base, y });
  if (!delta) return y;
  const out = y.add(delta) as Tensor2D;
  y.dispose();
  delta.dispose();
  return out;
}

/** `next`, disposing `prev` (a running sum's previous value). */
function swap(prev: Tensor2D, next: Tensor2D): Tensor2D {
  prev.dispose();
  return next;
}

/** Disposes every tensor and Linear in `w`. */
export function disposeWeights(w: ModelWeights): void {
  w.embed?.dispose();
  w.norm.dispose();
  w.lmHead?.dispose();
  w.hostEmbeddings?.head.dispose();
  for (const l of w.layers) {
    for (const t of [l.inputNorm, l.postAttentionNorm, l.qNorm, l.kNorm]) t?.dispose();
    for (const lin of [l.q, l.k, l.v, l.o, l.gate, l.up, l.down]) lin.dispose();
  }
}

/** Every frozen projection by HF module path (`model.layers.0.self_attn.q_proj`), layer by layer. */
export function linearsByPath(w: ModelWeights): Map<string, Linear> {
  const out = new Map<string, Linear>();
  w.layers.forEach((l, i) => {
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

/**
 * Bytes `w` occupies on the backend: linears as stored, float tensors at 4 bytes/value, a compact f16 LM head as
 * packed (the host-side embedding table is not counted).
 */
export function weightsByteSize(w: ModelWeights): number {
  let floats = (w.embed?.size ?? 0) + w.norm.size + (w.lmHead?.size ?? 0);
  for (const l of w.layers)
    floats += l.inputNorm.size + l.postAttentionNorm.size + (l.qNorm?.size ?? 0) + (l.kNorm?.size ?? 0);
  let bytes = floats * 4 + (w.hostEmbeddings?.head.byteSize ?? 0);
  for (const lin of linearsByPath(w).values()) bytes += lin.byteSize;
  return bytes;
}
