/**
 * What llama.cpp calls our checkpoints: architecture names, GGUF tensor names, the hyper-parameter KVs, and the
 * q/k row permutation of the `llama` architecture. Learned from llama.cpp's `convert_hf_to_gguf.py` (LlamaModel,
 * Qwen2Model, Qwen3Model) and `src/llama-arch.cpp`; nothing here is copied from them.
 */
import type { GgufValue } from '../formats/gguf-writer';
import { gguf } from '../formats/gguf-writer';
import type { ModelConfig } from '../model/config';

export type GgufArchitecture = 'llama' | 'qwen2' | 'qwen3';

/** A base llama.cpp cannot run as it is (the message says why). */
export class GgufExportError extends Error {
  override name = 'GgufExportError';
}

/**
 * llama.cpp's architecture for a config. Mistral checkpoints convert as `llama`, which has no sliding window: a
 * window shorter than the context would silently change the model, so such a base is refused.
 */
export function ggufArchitecture(c: ModelConfig): GgufArchitecture {
  if (c.family === 'qwen2' || c.family === 'qwen3') return c.family;
  if (c.slidingWindow !== null && c.slidingWindow < c.maxPositionEmbeddings) {
    throw new GgufExportError(
      `llama.cpp cannot take this ${c.architecture}: it attends through a sliding window of ${c.slidingWindow} tokens, which llama.cpp's llama architecture does not implement (it would attend over all ${c.maxPositionEmbeddings} positions and change the model's outputs)`,
    );
  }
  return 'llama';
}

const MODULE_TO_GGUF: Record<string, string> = {
  q_proj: 'attn_q',
  k_proj: 'attn_k',
  v_proj: 'attn_v',
  o_proj: 'attn_output',
  gate_proj: 'ffn_gate',
  up_proj: 'ffn_up',
  down_proj: 'ffn_down',
};

/** `model.layers.3.self_attn.q_proj` → `blk.3.attn_q` (the base tensor is that plus `.weight`). */
export function ggufModuleName(hfPath: string): string {
  const m = /^model\.layers\.(\d+)\.(?:self_attn|mlp)\.(\w+)$/.exec(hfPath);
  const name = m && MODULE_TO_GGUF[m[2]];
  if (!m || !name) throw new GgufExportError(`no llama.cpp tensor for module '${hfPath}'`);
  return `blk.${m[1]}.${name}`;
}

/** HF checkpoint tensor name → GGUF tensor name, or null for tensors llama.cpp does not load. */
export function ggufTensorName(hfName: string): string | null {
  if (hfName === 'model.embed_tokens.weight') return 'token_embd.weight';
  if (hfName === 'model.norm.weight') return 'output_norm.weight';
  if (hfName === 'lm_head.weight') return 'output.weight';
  const norm =
    /^model\.layers\.(\d+)\.(input_layernorm|post_attention_layernorm|self_attn\.q_norm|self_attn\.k_norm)\.weight$/.exec(
      hfName,
    );
  if (norm) {
    const n = {
      input_layernorm: 'attn_norm',
      post_attention_layernorm: 'ffn_norm',
      'self_attn.q_norm': 'attn_q_norm',
      'self_attn.k_norm': 'attn_k_norm',
    }[norm[2]];
    return `blk.${norm[1]}.${n}.weight`;
  }
  const lin = /^(model\.layers\.\d+\.(?:self_attn|mlp)\.\w+)\.(weight|bias)$/.exec(hfName);
  return lin ? `${ggufModuleName(lin[1])}.${lin[2]}` : null;
}

/**
 * Heads whose rows llama.cpp's converter reorders for `llama` (it rotates adjacent pairs where HF rotates halves):
 * q by the query heads, k by the KV heads; null for anything else and for NEOX-rope qwen2/qwen3.
 */
export function permutedHeads(arch: GgufArchitecture, c: ModelConfig, hfPath: string): number | null {
  if (arch !== 'llama') return null;
  if (hfPath.endsWith('.q_proj')) return c.heads;
  if (hfPath.endsWith('.k_proj')) return c.kvHeads;
  return null;
}

/**
 * Rows of a row-major [rows, cols] matrix (or a bias, cols = 1) reordered like
 * `w.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2).reshape(rows, cols)`: within each head, row
 * (half h, index i) moves to 2·i + h.
 */
export function permuteRows(data: Float32Array, rows: number, cols: number, heads: number): Float32Array {
  const perHead = rows / heads;
  const half = perHead / 2;
  if (!Number.isInteger(half)) throw new GgufExportError(`cannot permute ${rows} rows over ${heads} heads`);
  const out = new Float32Array(data.length);
  for (let h = 0; h < heads; h++) {
    for (let part = 0; part < 2; part++) {
      for (let i = 0; i < half; i++) {
        const from = h * perHead + part * half + i;
        const to = h * perHead + 2 * i + part;
        out.set(data.subarray(from * cols, (from + 1) * cols), to * cols);
      }
    }
  }
  return out;
}

/** `<arch>.*` hyper-parameter KVs, as llama.cpp's converter writes them for these families. */
export function ggufHyperParameters(arch: GgufArchitecture, c: ModelConfig): [string, GgufValue][] {
  const kv: [string, GgufValue][] = [
    [`${arch}.block_count`, gguf.u32(c.layers)],
    [`${arch}.context_length`, gguf.u32(c.maxPositionEmbeddings)],
    [`${arch}.embedding_length`, gguf.u32(c.hidden)],
    [`${arch}.feed_forward_length`, gguf.u32(c.intermediate)],
    [`${arch}.attention.head_count`, gguf.u32(c.heads)],
    [`${arch}.attention.head_count_kv`, gguf.u32(c.kvHeads)],
    [`${arch}.rope.freq_base`, gguf.f32(c.ropeTheta)],
    [`${arch}.attention.layer_norm_rms_epsilon`, gguf.f32(c.rmsNormEps)],
    [`${arch}.attention.key_length`, gguf.u32(c.headDim)],
    [`${arch}.attention.value_length`, gguf.u32(c.headDim)],
    [`${arch}.vocab_size`, gguf.u32(c.vocab)],
  ];
  if (arch === 'llama') kv.push([`${arch}.rope.dimension_count`, gguf.u32(c.headDim)]);
  if (c.ropeScaling?.type === 'linear') {
    kv.push(
      [`${arch}.rope.scaling.type`, gguf.str('linear')],
      [`${arch}.rope.scaling.factor`, gguf.f32(c.ropeScaling.factor)],
    );
  }
  return kv;
}

/**
 * Llama 3's wavelength-dependent RoPE scaling as llama.cpp takes it: a `rope_freqs.weight` tensor [headDim/2]
 * whose entries divide each base frequency (1 for short wavelengths, `factor` for long ones, smooth between).
 */
export function llama3RopeFreqs(c: ModelConfig): Float32Array | null {
  const rs = c.ropeScaling;
  if (rs?.type !== 'llama3') return null;
  const n = c.headDim / 2;
  const out = new Float32Array(n);
  const lowWavelen = rs.originalMaxPositionEmbeddings / rs.lowFreqFactor;
  const highWavelen = rs.originalMaxPositionEmbeddings / rs.highFreqFactor;
  for (let i = 0; i < n; i++) {
    const freq = Math.fround(1 / Math.fround(c.ropeTheta ** ((2 * i) / c.headDim)));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = rs.factor;
    else {
      const smooth =
        (rs.originalMaxPositionEmbeddings / wavelen - rs.lowFreqFactor) / (rs.highFreqFactor - rs.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / rs.factor + smooth);
    }
  }
  return out;
}
