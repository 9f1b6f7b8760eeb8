/**
 * Parameter counts and memory estimates computed from a config alone (no weights), so `inspect`, the UI and the
 * README can size a model before downloading it. Linear weights are sized with the packed layout the quantized
 * base really uses (`packedByteSize` from src/quant: codes + one f32 scale per group, rows padded to whole
 * groups); embeddings, norms, biases and an untied LM head stay f32.
 */
import { packedByteSize, type GroupSize } from '../quant/packed';
import type { ModelConfig } from './config';
import type { QuantMode } from '../spec/modules';

/** [out, in] of each projection of one layer, with whether it carries a bias. */
export function layerLinearShapes(c: ModelConfig): { name: string; shape: [number, number]; bias: boolean }[] {
  const q = c.heads * c.headDim;
  const kv = c.kvHeads * c.headDim;
  return [
    { name: 'q_proj', shape: [q, c.hidden], bias: c.qkvBias },
    { name: 'k_proj', shape: [kv, c.hidden], bias: c.qkvBias },
    { name: 'v_proj', shape: [kv, c.hidden], bias: c.qkvBias },
    { name: 'o_proj', shape: [c.hidden, q], bias: c.oBias },
    { name: 'gate_proj', shape: [c.intermediate, c.hidden], bias: c.mlpBias },
    { name: 'up_proj', shape: [c.intermediate, c.hidden], bias: c.mlpBias },
    { name: 'down_proj', shape: [c.hidden, c.intermediate], bias: c.mlpBias },
  ];
}

/** Parameters kept as float tensors: embedding and untied LM head (unless compact), norms, biases. */
function floatParameters(c: ModelConfig, withEmbeddings = true): number {
  let n = (withEmbeddings ? c.vocab * c.hidden * (c.tieWordEmbeddings ? 1 : 2) : 0) + c.hidden; // embed (+ lm_head) + final norm
  let perLayer = 2 * c.hidden + (c.qkNorm ? 2 * c.headDim : 0);
  for (const l of layerLinearShapes(c)) if (l.bias) perLayer += l.shape[0];
  n += perLayer * c.layers;
  return n;
}

/** Parameters in the linear (quantizable) weights. */
export function linearParameters(c: ModelConfig): number {
  return c.layers * layerLinearShapes(c).reduce((a, l) => a + l.shape[0] * l.shape[1], 0);
}

/** Total parameters of the checkpoint (a tied LM head counted once), as model cards count them. */
export function countParameters(c: ModelConfig): number {
  return floatParameters(c) + linearParameters(c);
}

/** Byte breakdown of a loaded model in one storage mode. */
export interface ModelMemory {
  mode: QuantMode;
  groupSize: number;
  /** How embeddings are stored (`loadModel`'s `embeddings` option). */
  embeddings: 'f32' | 'f16';
  /** Packed (or float) q/k/v/o/gate/up/down weights incl. scales. */
  linearBytes: number;
  /** Norms, biases and, with f32 embeddings, the embedding and untied LM head (all f32). */
  floatBytes: number;
  /** With f16 embeddings: the packed f16 LM head on the device; else 0. */
  headBytes: number;
  /** Device (GPU) total: linear + float + head. */
  total: number;
  /** Host memory: with f16 embeddings the half-float lookup table; else 0. */
  hostBytes: number;
}

/** Memory of the frozen base in `mode` (KV cache, activations and LoRA state excluded). */
export function estimateModelMemory(
  c: ModelConfig,
  mode: QuantMode,
  groupSize: GroupSize = 64,
  embeddings: 'f32' | 'f16' = 'f32',
): ModelMemory {
  const linearBytes = c.layers * layerLinearShapes(c).reduce((a, l) => a + packedByteSize(l.shape, mode, groupSize), 0);
  const compact = embeddings === 'f16';
  const floatBytes = 4 * floatParameters(c, !compact);
  const headBytes = compact ? packedByteSize([c.vocab, c.hidden], 'f16') : 0;
  const hostBytes = compact ? 2 * c.vocab * c.hidden : 0;
  return {
    mode,
    groupSize,
    embeddings,
    linearBytes,
    floatBytes,
    headBytes,
    total: linearBytes + floatBytes + headBytes,
    hostBytes,
  };
}

/** Device bytes of the frozen base in `mode`; see `estimateModelMemory` for the breakdown. */
export function estimateModelBytes(...args: Parameters<typeof estimateModelMemory>): number {
  return estimateModelMemory(...args).total;
}

/** Bytes of a KV cache for `batch` rows of `tokens` tokens (f32 keys and values, every layer). */
export function estimateKvCacheBytes(c: ModelConfig, batch: number, tokens: number): number {
  return 2 * 4 * c.layers * batch * tokens * c.kvHeads * c.headDim;
}
