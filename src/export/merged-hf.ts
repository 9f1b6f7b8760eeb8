/**
 * A merged model as a Hugging Face folder transformers and vLLM load: `config.json` (torch_dtype set),
 * `model.safetensors` — or shards `model-0000i-of-0000N.safetensors` plus `model.safetensors.index.json` once the
 * weights pass `maxShardBytes` (2 GB, as `save_pretrained` shards) — the tokenizer files and `generation_config.json`.
 * Each shard's header is computed from shapes alone, then its tensors stream in one at a time.
 */
import { encodeFloats, type FloatDtype } from '../formats/safetensors-dtype';
import { safetensorsHeaderBytes } from '../formats/safetensors-write';
import type { ModelFiles } from '../spec/model-files';
import { readJson } from '../spec/model-files';
import { writeWholeFile, type FolderSink } from './folder-sink';
import type { MergedWeights } from './merged-weights';

export const DEFAULT_MAX_SHARD_BYTES = 2_000_000_000;

/** Files copied as they are when the base has them. */
const TOKENIZER_FILES = [
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
  'chat_template.jinja',
  'generation_config.json',
];

const TORCH_DTYPE: Record<FloatDtype, string> = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' };

export interface MergedHfOptions {
  dtype: FloatDtype;
  maxShardBytes?: number;
  /** Extra files (README.md model card, Modelfile). */
  extraFiles?: Record<string, string>;
  onTensor?(done: number, total: number): void;
}

export interface MergedHfResult {
  files: string[];
  shards: number;
  weightBytes: number;
}

type Entry = { name: string; shape: readonly number[]; bytes: number };

/** The safetensors header for `entries` laid out back to back, all of `dtype`, marked as PyTorch weights. */
function safetensorsHeader(entries: readonly Entry[], dtype: FloatDtype): Uint8Array {
  const layout = entries.map((e) => ({ name: e.name, dtype, shape: e.shape, byteLength: e.bytes }));
  return safetensorsHeaderBytes(layout, { format: 'pt' });
}

/** Splits tensors into consecutive shards of at most `max` bytes (a larger tensor gets a shard of its own). */
function shardPlan(entries: readonly Entry[], max: number): Entry[][] {
  const shards: Entry[][] = [[]];
  let size = 0;
  for (const e of entries) {
    if (size + e.bytes > max && shards[shards.length - 1].length) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1].push(e);
    size += e.bytes;
  }
  return shards;
}

/** Writes the merged folder into `sink`. */
export async function writeMergedHf(
  sink: FolderSink,
  files: ModelFiles,
  weights: MergedWeights,
  opts: MergedHfOptions,
): Promise<MergedHfResult> {
  const width = opts.dtype === 'F32' ? 4 : 2;
  const entries: Entry[] = weights.tensors.map((t) => ({
    name: t.name,
    shape: t.shape,
    bytes: t.shape.reduce((a, d) => a * d, 1) * width,
  }));
  const shards = shardPlan(entries, opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
  const n = shards.length;
  const shardName = (i: number) =>
    n === 1
      ? 'model.safetensors'
      : `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
  const written: string[] = [];
  let done = 0;
  for (const [i, shard] of shards.entries()) {
    const f = await sink.file(shardName(i));
    await f.write(safetensorsHeader(shard, opts.dtype));
    for (const e of shard) {
      for await (const block of weights.rows(e.name)) await f.write(encodeFloats(block, opts.dtype));
      opts.onTensor?.(++done, entries.length);
    }
    await f.close();
    written.push(shardName(i));
  }
  const weightBytes = entries.reduce((a, e) => a + e.bytes, 0);
  if (n > 1) {
    const weightMap: Record<string, string> = {};
    shards.forEach((s, i) => s.forEach((e) => (weightMap[e.name] = shardName(i))));
    await writeWholeFile(
      sink,
      'model.safetensors.index.json',
      JSON.stringify({ metadata: { total_size: weightBytes }, weight_map: weightMap }, null, 2) + '\n',
    );
    written.push('model.safetensors.index.json');
  }
  const config = await readJson<Record<string, unknown>>(files, 'config.json');
  delete config.quantization_config;
  await writeWholeFile(
    sink,
    'config.json',
    JSON.stringify({ ...config, torch_dtype: TORCH_DTYPE[opts.dtype] }, null, 2) + '\n',
  );
  written.push('config.json');
  const available = await files.list();
  for (const name of TOKENIZER_FILES) {
    if (!available.includes(name)) continue;
    await writeWholeFile(sink, name, await files.read(name));
    written.push(name);
  }
  for (const [name, text] of Object.entries(opts.extraFiles ?? {})) {
    await writeWholeFile(sink, name, text);
    written.push(name);
  }
  return { files: written, shards: n, weightBytes };
}
