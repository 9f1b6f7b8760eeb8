/**
 * `loadModel`: config → checkpoint headers → validation of every tensor → streaming the weights one tensor at a
 * time into backend tensors (norms, embeddings) or `Linear`s built by the factory (q/k/v/o/gate/up/down). Nothing
 * but headers is read before the config and all shapes have been checked, and at most one tensor's bytes (plus
 * its f32 copy) are on the heap at a time.
 */
import { tf, type Tensor1D } from '../backend/tf';
import { readTensorF32 } from '../formats/safetensors';
import { encodeFloats } from '../formats/safetensors-dtype';
import { createLinearFactory } from './linear-factory';
import {
  CheckpointError,
  checkConfigAgainstCheckpoint,
  expectedTensors,
  openCheckpoint,
  validateCheckpoint,
  type Checkpoint,
} from './checkpoint';
import { loadModelConfig, type ModelConfig } from './config';
import { DecoderModel } from './llama';
import { denseLinearFactory } from './dense-linear';
import type { Linear, LinearFactory } from './linear';
import { layerLinearShapes } from './memory-estimate';
import type { ModelFiles } from '../spec/model-files';
import { linearPath, type HostEmbeddings, type LayerWeights, type ModelWeights } from './weights';
import { maxStorageBindingBytes } from '../quant/device-limits';
import { packedByteSize } from '../quant/packed';
import { blockedLinear, RowBlockMatrix, type FloatTable } from './row-blocks';

/** Loading progress; `bytes*` count stored tensor bytes in the safetensors files. */
export interface LoadProgress {
  stage: 'config' | 'weights' | 'done';
  bytesDone: number;
  bytesTotal: number;
  tensorsDone: number;
  tensorsTotal: number;
}

export interface LoadOptions {
  /** Builds each frozen projection; default f32 `DenseLinear`. `src/quant` supplies the packed ones. */
  linearFactory?: LinearFactory;
  onProgress?(p: LoadProgress): void;
  /** Cancels between tensors; everything created so far is freed and the promise rejects with the abort reason. */
  signal?: AbortSignal;
  /**
   * `f32` (default): embedding (and untied LM head) as f32 tensors. `f16`: the lookup table stays on the host as
   * half floats and the LM head becomes a packed f16 `Linear`, halving the largest float tensors; the head then
   * runs on src/quant's kernels, so prefer it on WebGPU (the cpu/wasm f16 kernel decodes the head per call).
   */
  embeddings?: 'f32' | 'f16';
  /** Non-fatal problems (config.json's architectures vs model_type). */
  onWarning?(message: string): void;
  /**
   * Largest buffer one embedding / LM-head block may take; larger ones are split into row blocks (row-blocks.ts).
   * Default: the device's storage-binding limit on WebGPU (128 MiB on many GPUs), no limit elsewhere.
   */
  maxBindingBytes?: number;
}

/** Loads a Llama-family checkpoint from `files`. The caller owns the model (`dispose()`). */
export async function loadModel(files: ModelFiles, opts: LoadOptions = {}): Promise<DecoderModel> {
  checkAbort(opts.signal);
  const config = await loadModelConfig(files, opts.onWarning);
  const ckpt = await openCheckpoint(files);
  checkConfigAgainstCheckpoint(files, ckpt, config);
  const expected = expectedTensors(config);
  validateCheckpoint(files, ckpt, expected);
  const reader = new TensorReader(files, ckpt, expected, opts);
  reader.report('config');
  const created: Created = { tensors: [], linears: [] };
  try {
    const weights = await readWeights(config, reader, opts.linearFactory ?? denseLinearFactory, created);
    reader.report('done');
    return new DecoderModel(config, weights);
  } catch (e) {
    for (const t of created.tensors) t.dispose();
    for (const l of created.linears) l.dispose();
    throw e;
  }
}

/** What a failed load frees: tensors (or row-block tables) and Linears made so far. */
interface Created {
  tensors: { dispose(): void }[];
  linears: Linear[];
}

async function readWeights(
  config: ModelConfig,
  reader: TensorReader,
  factory: LinearFactory,
  created: Created,
): Promise<ModelWeights> {
  const vector = async (name: string): Promise<Tensor1D> => {
    const t = tf.keep(tf.tensor1d(await reader.read(name)));
    created.tensors.push(t);
    return t;
  };
  // Vocabulary-sized weights past one storage binding are kept as row blocks (row-blocks.ts).
  const maxBytes = reader.maxBindingBytes;
  const table = async (name: string, shape: [number, number]): Promise<FloatTable> => {
    const t = RowBlockMatrix.upload(await reader.read(name), shape, maxBytes);
    created.tensors.push(t);
    return t;
  };
  const embedShape: [number, number] = [config.vocab, config.hidden];
  const f16Head = (values: Float32Array): Linear =>
    blockedLinear(
      createLinearFactory('f16'),
      'lm_head',
      values,
      embedShape,
      packedByteSize([1, config.hidden], 'f16'),
      maxBytes,
    );
  const compact = reader.embeddings === 'f16';
  let hostEmbeddings: HostEmbeddings | null = null;
  let embed: FloatTable | null = null;
  if (compact) {
    const values = await reader.read('model.embed_tokens.weight');
    const table = new Uint16Array(encodeFloats(values, 'F16').buffer);
    const head = config.tieWordEmbeddings ? f16Head(values) : null;
    if (head) created.linears.push(head);
    hostEmbeddings = { table, head: head as Linear };
  } else {
    embed = await table('model.embed_tokens.weight', embedShape);
  }
  const layers: LayerWeights[] = [];
  for (let i = 0; i < config.layers; i++) {
    const p = `model.layers.${i}`;
    const inputNorm = await vector(`${p}.input_layernorm.weight`);
    const lin: Record<string, Linear> = {};
    for (const l of layerLinearShapes(config)) {
      const path = linearPath(i, l.name);
      const weight = await reader.read(`${path}.weight`);
      const bias = l.bias ? await reader.read(`${path}.bias`) : null;
      lin[l.name] = factory(path, weight, l.shape, bias);
      created.linears.push(lin[l.name]);
    }
    const qNorm = config.qkNorm ? await vector(`${p}.self_attn.q_norm.weight`) : null;
    const kNorm = config.qkNorm ? await vector(`${p}.self_attn.k_norm.weight`) : null;
    const postAttentionNorm = await vector(`${p}.post_attention_layernorm.weight`);
    layers.push({
      inputNorm,
      postAttentionNorm,
      q: lin.q_proj,
      k: lin.k_proj,
      v: lin.v_proj,
      o: lin.o_proj,
      gate: lin.gate_proj,
      up: lin.up_proj,
      down: lin.down_proj,
      qNorm,
      kNorm,
    });
  }
  const norm = await vector('model.norm.weight');
  if (hostEmbeddings && !config.tieWordEmbeddings) {
    hostEmbeddings.head = f16Head(await reader.read('lm_head.weight'));
    created.linears.push(hostEmbeddings.head);
  }
  const lmHead = config.tieWordEmbeddings || compact ? null : await table('lm_head.weight', embedShape);
  return { embed, layers, norm, lmHead, hostEmbeddings };
}

/** Reads expected tensors by name, counting progress and checking for cancellation before each one. */
class TensorReader {
  private bytesDone = 0;
  private tensorsDone = 0;
  private readonly bytesTotal: number;

  readonly embeddings: 'f32' | 'f16';
  readonly maxBindingBytes: number;

  constructor(
    private readonly files: ModelFiles,
    private readonly ckpt: Checkpoint,
    private readonly expected: readonly { name: string }[],
    private readonly opts: LoadOptions,
  ) {
    this.embeddings = opts.embeddings ?? 'f32';
    this.maxBindingBytes = opts.maxBindingBytes ?? maxStorageBindingBytes();
    this.bytesTotal = expected.reduce((a, e) => {
      const info = ckpt.locate(e.name)!.info;
      return a + (info.end - info.begin);
    }, 0);
  }

  async read(name: string): Promise<Float32Array> {
    checkAbort(this.opts.signal);
    const { header, info } = this.ckpt.locate(name)!;
    const data = await readTensorF32(this.files, header, name);
    checkFinite(this.files.label, header.file, name, data);
    checkAbort(this.opts.signal);
    this.bytesDone += info.end - info.begin;
    this.tensorsDone++;
    this.report('weights');
    return data;
  }

  report(stage: LoadProgress['stage']): void {
    this.opts.onProgress?.({
      stage,
      bytesDone: this.bytesDone,
      bytesTotal: this.bytesTotal,
      tensorsDone: this.tensorsDone,
      tensorsTotal: this.expected.length,
    });
  }
}

/**
 * NaN or ±Infinity in a weight makes every log-prob NaN; refuse at load, naming the tensor. One pass over values
 * already decoded on the host (x − x is 0 only for finite x), far cheaper than the matmuls that follow.
 */
function checkFinite(label: string, file: string, name: string, data: Float32Array): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new CheckpointError(
        `${label}/${file}: tensor '${name}' holds ${v} at index ${i}; the checkpoint is corrupt ` +
          '(weights must be finite)',
      );
    }
  }
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return;
  throw signal.reason instanceof Error ? signal.reason : new DOMException('model loading was cancelled', 'AbortError');
}
