/**
 * A LoRA adapter (or a weighted mix) as llama.cpp's GGUF adapter: `general.type = adapter`, `adapter.type = lora`,
 * `adapter.lora.alpha`, and per module `blk.N.<attn_q|…|ffn_down>.weight.lora_a` (A [r, in]) / `.lora_b`
 * (B [out, r]). llama.cpp scales every pair by `alpha / r` (r read from lora_a), so each module's true factor —
 * PEFT scale (alpha/r or rsLoRA alpha/√r, rank/alpha patterns) times its mix weight — is folded into lora_B
 * against one written alpha. For the `llama` architecture lora_b of q and k is row-permuted exactly like the base's
 * q/k weights in llama.cpp's converter, so the adapter's rows line up with the GGUF base.
 */
import type { GgmlTypeName } from '../formats/ggml-quants';
import { encodeGgml, ggmlBlockSize } from '../formats/ggml-quants';
import {
  gguf,
  writeGguf,
  type ByteSink,
  type GgufLayout,
  type GgufTensorSpec,
  type GgufValue,
} from '../formats/gguf-writer';
import type { Stacked } from '../lora/merge';
import type { ModelConfig } from '../model/config';
import { ggufArchitecture, ggufModuleName, permutedHeads, permuteRows } from './gguf-arch';

/** Tensor types an adapter GGUF may use. */
export type AdapterGgufType = 'F32' | 'F16' | 'Q8_0';

export interface GgufAdapterOptions {
  type: AdapterGgufType;
  /** `general.name`. */
  name: string;
  /**
   * alpha to write; every module's lora_B absorbs (true factor) ÷ (alpha / r). Defaults to the most common stacked
   * rank, which leaves those modules' B exactly as stacked.
   */
  alpha?: number;
}

function mostCommonRank(factors: ReadonlyMap<string, Stacked>): number {
  const counts = new Map<number, number>();
  for (const s of factors.values()) counts.set(s.rank, (counts.get(s.rank) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0][0];
}

/** Q8_0 needs rows that fill 32-value blocks; a lora_b row is only `rank` long, so small ranks stay F16. */
function tensorType(want: AdapterGgufType, rowLength: number): GgmlTypeName {
  return rowLength % ggmlBlockSize(want) === 0 ? want : 'F16';
}

/**
 * Writes the adapter GGUF to `sink`. `factors` are the stacked pairs of `stackFactors` (ΔW = B·A exactly, scale 1),
 * keyed by HF module path. Throws `GgufExportError` for bases llama.cpp cannot take.
 */
export async function writeGgufAdapter(
  sink: ByteSink,
  config: ModelConfig,
  factors: ReadonlyMap<string, Stacked>,
  opts: GgufAdapterOptions,
): Promise<GgufLayout> {
  const arch = ggufArchitecture(config);
  if (factors.size === 0) throw new Error('adapter has no modules to export');
  if ([...factors.values()].some((f) => f.magnitude)) {
    throw new Error(
      'llama.cpp has no DoRA adapters: export the merged model instead (merged GGUF or merged folder), which folds DoRA into the weights',
    );
  }
  const alpha = opts.alpha ?? mostCommonRank(factors);
  const kvs: [string, GgufValue][] = [
    ['general.architecture', gguf.str(arch)],
    ['general.type', gguf.str('adapter')],
    ['general.name', gguf.str(opts.name)],
    ['adapter.type', gguf.str('lora')],
    ['adapter.lora.alpha', gguf.f32(alpha)],
  ];
  const specs: GgufTensorSpec[] = [];
  const data: Array<() => Float32Array> = [];
  for (const [path, s] of factors) {
    const base = `${ggufModuleName(path)}.weight`;
    const fold = s.rank / alpha; // llama.cpp multiplies by alpha / r
    const heads = permutedHeads(arch, config, path);
    specs.push({ name: `${base}.lora_a`, shape: [s.rank, s.inFeatures], type: tensorType(opts.type, s.inFeatures) });
    data.push(() => s.a);
    specs.push({ name: `${base}.lora_b`, shape: [s.outFeatures, s.rank], type: tensorType(opts.type, s.rank) });
    data.push(() => {
      const b = s.b.map((x) => x * fold); // [out, rank]
      return heads === null ? b : permuteRows(b, s.outFeatures, s.rank, heads);
    });
  }
  return writeGguf(sink, kvs, specs, (i, spec) => encodeGgml(data[i](), spec.type));
}
