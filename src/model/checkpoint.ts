/**
 * Locating a checkpoint's tensors: one `model.safetensors`, or shards listed by `model.safetensors.index.json`
 * (`{"weight_map": {tensor: shard}}`). Only headers are read here; data is read tensor by tensor by the loader.
 */
import { readSafetensorsHeader, type SafetensorsHeader, type SafetensorsTensorInfo } from '../formats/safetensors';
import type { ModelConfig } from './config';
import { layerLinearShapes } from './memory-estimate';
import { readJson, type ModelFiles } from '../spec/model-files';
import { linearPath } from './weights';

export const SINGLE_FILE = 'model.safetensors';
export const INDEX_FILE = 'model.safetensors.index.json';

/** Error about the checkpoint's files (missing shard, missing tensor, shape mismatch). */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** The headers of every weight file and where each tensor lives. */
export interface Checkpoint {
  readonly headers: ReadonlyMap<string, SafetensorsHeader>;
  /** Tensor name → (header, entry), or undefined when no file holds it. */
  locate(name: string): { header: SafetensorsHeader; info: SafetensorsTensorInfo } | undefined;
}

/** Reads the index (if any) and every shard header; fails naming the missing or broken file. */
export async function openCheckpoint(files: ModelFiles): Promise<Checkpoint> {
  const shardNames = await weightFileNames(files);
  const headers = new Map<string, SafetensorsHeader>();
  for (const name of shardNames) headers.set(name, await readSafetensorsHeader(files, name));
  const where = new Map<string, SafetensorsHeader>();
  for (const h of headers.values()) for (const t of h.tensors.keys()) if (!where.has(t)) where.set(t, h);
  return {
    headers,
    locate(name) {
      const header = where.get(name);
      const info = header?.tensors.get(name);
      return header && info ? { header, info } : undefined;
    },
  };
}

async function weightFileNames(files: ModelFiles): Promise<string[]> {
  if ((await files.size(INDEX_FILE)) !== null) {
    const index = await readJson<{ weight_map?: Record<string, unknown> }>(files, INDEX_FILE);
    const map = index?.weight_map;
    if (!map || typeof map !== 'object')
      throw new CheckpointError(`${files.label}/${INDEX_FILE}: no "weight_map" object`);
    const shards = [...new Set(Object.values(map).map(String))];
    for (const shard of shards) {
      // The reference loader joins shard names onto the folder; a name with a separator or '..' would reach
      // outside it, so only plain file names are accepted.
      if (shard === '' || shard === '.' || shard === '..' || /[/\\]/.test(shard)) {
        throw new CheckpointError(
          `${files.label}/${INDEX_FILE}: shard name '${shard}' is not a plain file name in the model folder`,
        );
      }
      if ((await files.size(shard)) === null) {
        throw new CheckpointError(`${files.label}/${shard}: missing shard (listed in ${INDEX_FILE})`);
      }
    }
    return shards;
  }
  if ((await files.size(SINGLE_FILE)) !== null) return [SINGLE_FILE];
  throw new CheckpointError(
    `${files.label}: no ${SINGLE_FILE} or ${INDEX_FILE} (weights must be in safetensors format)`,
  );
}

/**
 * Checks the config's sizes against the checkpoint headers before `expectedTensors` builds a list from them: a
 * config claiming 1e9 layers would otherwise allocate that list (and run out of memory) before any check.
 */
export function checkConfigAgainstCheckpoint(files: ModelFiles, ckpt: Checkpoint, c: ModelConfig): void {
  const layers = new Set<number>();
  for (const h of ckpt.headers.values()) {
    for (const name of h.tensors.keys()) {
      const m = /^model\.layers\.(\d+)\./.exec(name);
      if (m) layers.add(Number(m[1]));
    }
  }
  if (c.layers !== layers.size) {
    throw new CheckpointError(
      `${files.label}: config.json says num_hidden_layers ${c.layers} but the checkpoint has ` +
        `${layers.size} layers; config.json does not belong to these weights`,
    );
  }
  const embed = ckpt.locate('model.embed_tokens.weight')?.info.shape;
  if (embed && (embed.length !== 2 || embed[0] !== c.vocab || embed[1] !== c.hidden)) {
    throw new CheckpointError(
      `${files.label}: config.json says vocab_size ${c.vocab} and hidden_size ${c.hidden} but ` +
        `model.embed_tokens.weight is [${embed}]; config.json does not belong to these weights`,
    );
  }
}

/** One tensor the config says the checkpoint must have. */
export interface ExpectedTensor {
  name: string;
  shape: number[];
}

/** Every tensor the forward pass reads, with the shape `config` implies, in checkpoint order. */
export function expectedTensors(c: ModelConfig): ExpectedTensor[] {
  const out: ExpectedTensor[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocab, c.hidden] }];
  for (let i = 0; i < c.layers; i++) {
    const p = `model.layers.${i}`;
    out.push({ name: `${p}.input_layernorm.weight`, shape: [c.hidden] });
    for (const l of layerLinearShapes(c)) {
      out.push({ name: `${linearPath(i, l.name)}.weight`, shape: l.shape });
      if (l.bias) out.push({ name: `${linearPath(i, l.name)}.bias`, shape: [l.shape[0]] });
    }
    if (c.qkNorm) {
      out.push({ name: `${p}.self_attn.q_norm.weight`, shape: [c.headDim] });
      out.push({ name: `${p}.self_attn.k_norm.weight`, shape: [c.headDim] });
    }
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [c.hidden] });
  }
  out.push({ name: 'model.norm.weight', shape: [c.hidden] });
  if (!c.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocab, c.hidden] });
  return out;
}

/** Checks presence, dtype and shape of every expected tensor before any data is read. */
export function validateCheckpoint(files: ModelFiles, ckpt: Checkpoint, expected: readonly ExpectedTensor[]): void {
  const fileList = [...ckpt.headers.keys()].join(', ');
  for (const e of expected) {
    const found = ckpt.locate(e.name);
    if (!found) {
      const hint = e.name === 'lm_head.weight' ? ' (config.json says tie_word_embeddings is false)' : '';
      throw new CheckpointError(`${files.label}: tensor '${e.name}' not found in ${fileList}${hint}`);
    }
    const { header, info } = found;
    if (info.dtype !== 'F32' && info.dtype !== 'F16' && info.dtype !== 'BF16') {
      throw new CheckpointError(
        `${files.label}/${header.file}: tensor '${e.name}' has dtype ${info.dtype}; expected F32, F16 or BF16`,
      );
    }
    if (info.shape.length !== e.shape.length || info.shape.some((d, i) => d !== e.shape[i])) {
      throw new CheckpointError(
        `${files.label}/${header.file}: tensor '${e.name}' has shape [${info.shape}] but config.json implies [${e.shape}]`,
      );
    }
  }
}
