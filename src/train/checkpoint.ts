/**
 * A training checkpoint: trainable weights, AdamW moments, step, RNG streams, data position, metric history and
 * config — everything a new `Trainer` needs to continue the loss curve bit-exactly. Encoded as one safetensors
 * buffer (tensors `param/<name>`, `adam_m/<name>`, `adam_v/<name>`, the rest as JSON metadata) so it is a
 * single ArrayBuffer for IndexedDB or a file, and readable by standard tools.
 */
import { encodeSafetensors, readSafetensorsHeader, readTensorF32 } from '../formats/safetensors';
import { memoryFiles } from '../formats/memory-files';
import { InputError } from '../spec/input-error';
import { checkCheckpointTensor, parseCheckpointMeta } from './checkpoint-meta';
import type { DataPosition } from './data-cursor';
import type { StepMetrics } from './metrics';

export const CHECKPOINT_VERSION = 1;

export interface CheckpointTensor {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  version: number;
  /** Optimizer steps completed. */
  step: number;
  /** Trainable tensors by stable name (LoRA: `<module path>.lora_A`). */
  params: Record<string, CheckpointTensor>;
  adam: { step: number; m: Record<string, Float32Array>; v: Record<string, Float32Array> };
  /** Dropout stream state. */
  rng: number[];
  data: DataPosition;
  metrics: StepMetrics[];
  /** Learning-rate multiplier (halved by NaN retries). */
  lrScale: number;
  elapsedMs: number;
  /** Run configuration (train + adapter config), as given by the caller. */
  config: unknown;
}

/** Stores checkpoints of runs. A Node file store and an IndexedDB store implement it. */
export interface CheckpointStore {
  save(runId: string, cp: Checkpoint): Promise<void>;
  /** The most recent checkpoint of the run, or null when there is none. */
  loadLatest(runId: string): Promise<Checkpoint | null>;
}

/** Serializes a checkpoint into one safetensors buffer. */
export function encodeCheckpoint(cp: Checkpoint): Uint8Array {
  const entries = [];
  for (const [name, t] of Object.entries(cp.params)) {
    entries.push({ name: `param/${name}`, dtype: 'F32' as const, shape: t.shape, data: t.data });
    entries.push({ name: `adam_m/${name}`, dtype: 'F32' as const, shape: t.shape, data: cp.adam.m[name] });
    entries.push({ name: `adam_v/${name}`, dtype: 'F32' as const, shape: t.shape, data: cp.adam.v[name] });
  }
  const { params: _p, adam, ...rest } = cp;
  const meta = { ...rest, adamStep: adam.step, names: Object.keys(cp.params) };
  return encodeSafetensors(entries, { format: 'lora-studio-checkpoint', checkpoint: JSON.stringify(meta) });
}

/**
 * Parses a buffer written by `encodeCheckpoint`; throws a clear error for anything else. `label` names where the
 * bytes came from (a file path, an IndexedDB record) and starts every message.
 */
export async function decodeCheckpoint(bytes: Uint8Array, label = 'checkpoint'): Promise<Checkpoint> {
  // The label is the whole name: memoryFiles would otherwise print '<label>/checkpoint.safetensors'.
  const files = memoryFiles({ [label]: bytes }, '');
  const header = await readSafetensorsHeader(files, label).catch((e: Error) => {
    throw new InputError(e.message.replace(/^\//, ''));
  });
  if (header.metadata.format !== 'lora-studio-checkpoint' || !header.metadata.checkpoint) {
    throw new InputError(`${label}: not a LoRA Studio checkpoint`);
  }
  const meta = parseCheckpointMeta(header.metadata.checkpoint, label, CHECKPOINT_VERSION);
  const params: Checkpoint['params'] = {};
  const adam: Checkpoint['adam'] = { step: meta.adamStep, m: {}, v: {} };
  const read = async (
    kind: 'param' | 'adam_m' | 'adam_v',
    name: string,
    shape?: readonly number[],
  ): Promise<Float32Array> => {
    const info = header.tensors.get(`${kind}/${name}`);
    if (!info) throw new InputError(`${label}: tensor '${kind}/${name}' is missing; the checkpoint is corrupt`);
    if (shape && (info.shape.length !== shape.length || info.shape.some((d, i) => d !== shape[i]))) {
      throw new InputError(`${label}: '${kind}/${name}' has shape [${info.shape}] but its parameter is [${shape}]`);
    }
    const data = await readTensorF32(files, header, `${kind}/${name}`);
    checkCheckpointTensor(label, name, kind, data);
    return data;
  };
  for (const name of meta.names) {
    const data = await read('param', name);
    const shape = [...header.tensors.get(`param/${name}`)!.shape];
    params[name] = { shape, data };
    adam.m[name] = await read('adam_m', name, shape);
    adam.v[name] = await read('adam_v', name, shape);
  }
  const { adamStep: _s, names: _n, ...rest } = meta;
  return { ...rest, params, adam };
}

/** Keeps checkpoints in memory (tests, and the trainer's own rollback copy). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly runs = new Map<string, Uint8Array>();

  async save(runId: string, cp: Checkpoint): Promise<void> {
    this.runs.set(runId, encodeCheckpoint(cp));
  }

  async loadLatest(runId: string): Promise<Checkpoint | null> {
    const bytes = this.runs.get(runId);
    return bytes ? decodeCheckpoint(bytes, `checkpoint ${runId}`) : null;
  }
}
