/**
 * A merged (or plain) base model as a llama.cpp GGUF: the architecture's hyper-parameters, the tokenizer and chat
 * template, then every tensor under llama.cpp's name, streamed one at a time from `MergedWeights`.
 * Types follow llama.cpp's converter: 1-D tensors (norms, biases, rope factors) stay F32; matrices take the chosen
 * type. Q4_0 files keep the token embedding / output head in Q8_0 (llama-quantize likewise keeps the output in a
 * higher-precision type), and a matrix whose rows do not fill 32-value blocks falls back to F16.
 */
import { encodeGgml, ggmlBlockSize, type GgmlTypeName } from '../formats/ggml-quants';
import {
  gguf,
  writeGguf,
  type ByteSink,
  type GgufLayout,
  type GgufTensorSpec,
  type GgufValue,
} from '../formats/gguf-writer';
import type { ModelConfig } from '../model/config';
import type { ModelFiles } from '../spec/model-files';
import {
  ggufArchitecture,
  ggufHyperParameters,
  ggufTensorName,
  llama3RopeFreqs,
  permutedHeads,
  permuteRows,
} from './gguf-arch';
import { ggufTokenizer, type GgufTokenizer } from './gguf-tokenizer';
import type { MergedWeights } from './merged-weights';

export type ModelGgufType = 'F32' | 'F16' | 'BF16' | 'Q8_0' | 'Q4_0';

/** `general.file_type` (llama.cpp `llama_ftype`). */
const FILE_TYPE: Record<ModelGgufType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7, BF16: 32 };

export interface GgufModelOptions {
  type: ModelGgufType;
  name: string;
  onTensor?(done: number, total: number): void;
}

export interface GgufModelResult {
  layout: GgufLayout;
  tokenizer: GgufTokenizer;
}

function matrixType(want: ModelGgufType, ggufName: string, rowLength: number): GgmlTypeName {
  const type: GgmlTypeName =
    want === 'Q4_0' && (ggufName === 'token_embd.weight' || ggufName === 'output.weight') ? 'Q8_0' : want;
  return rowLength % ggmlBlockSize(type) === 0 ? type : 'F16';
}

/** Writes the whole model GGUF to `sink`; `files` supplies the tokenizer files. */
export async function writeGgufModel(
  sink: ByteSink,
  files: ModelFiles,
  config: ModelConfig,
  weights: MergedWeights,
  opts: GgufModelOptions,
): Promise<GgufModelResult> {
  const arch = ggufArchitecture(config);
  const tokenizer = await ggufTokenizer(files, config);
  const kvs: [string, GgufValue][] = [
    ['general.architecture', gguf.str(arch)],
    ['general.type', gguf.str('model')],
    ['general.name', gguf.str(opts.name)],
    ...ggufHyperParameters(arch, config),
    ['general.file_type', gguf.u32(FILE_TYPE[opts.type])],
  ];
  if (opts.type === 'Q8_0' || opts.type === 'Q4_0') kvs.push(['general.quantization_version', gguf.u32(2)]);
  kvs.push(...tokenizer.kvs);
  const specs: GgufTensorSpec[] = [];
  const sources: Array<() => AsyncIterable<Float32Array>> = [];
  const ropeFreqs = llama3RopeFreqs(config);
  for (const t of weights.tensors) {
    const name = ggufTensorName(t.name)!;
    const type = t.shape.length === 1 ? 'F32' : matrixType(opts.type, name, t.shape[1]);
    specs.push({ name, shape: t.shape, type });
    const heads = permutedHeads(arch, config, t.name.replace(/\.(weight|bias)$/, ''));
    // q/k move rows across each head, so they are permuted whole (they are small); the rest stream in row blocks.
    sources.push(
      heads === null
        ? () => weights.rows(t.name)
        : async function* () {
            yield permuteRows(await weights.read(t.name), t.shape[0], t.shape.length === 2 ? t.shape[1] : 1, heads);
          },
    );
    if (ropeFreqs && name === 'token_embd.weight') {
      specs.push({ name: 'rope_freqs.weight', shape: [ropeFreqs.length], type: 'F32' });
      sources.push(async function* () {
        yield ropeFreqs;
      });
    }
  }
  const encoded = async function* (i: number, spec: GgufTensorSpec) {
    for await (const block of sources[i]()) yield encodeGgml(block, spec.type);
  };
  const layout = await writeGguf(sink, kvs, specs, encoded, opts.onTensor);
  return { layout, tokenizer };
}
