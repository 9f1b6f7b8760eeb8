/**
 * Pretraining checkpoints: weights and AdamW moments in one safetensors file (`param/…`, `m/…`, `v/…`) plus a
 * JSON sidecar with the step, the data RNG state and the loss history. Written to a temp name then renamed, so a
 * kill during the write leaves the previous checkpoint intact.
 */
import { existsSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { tf } from '../../src/backend/tf';
import { encodeSafetensors } from '../../src/formats/safetensors-write';
import type { AdamW } from '../../src/train/adamw';

export interface PretrainState {
  step: number;
  rngState: number[];
  elapsedMs: number;
  /** Tokens trained on so far (older checkpoints lack it: all their steps were 1024 tokens). */
  tokensSeen?: number;
  history: { step: number; loss: number; evalLoss?: number; lr: number; elapsedMs: number }[];
}

const WEIGHTS = 'checkpoint.safetensors';
const META = 'checkpoint.json';

export async function saveCheckpoint(
  dir: string,
  variables: Map<string, tf.Variable>,
  adam: AdamW,
  state: PretrainState,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const opt = await adam.getState();
  const entries = [];
  for (const [name, v] of variables) {
    entries.push({
      name: `param/${name}`,
      dtype: 'F32' as const,
      shape: v.shape,
      data: (await v.data()) as Float32Array,
    });
    entries.push({ name: `m/${name}`, dtype: 'F32' as const, shape: v.shape, data: opt.m[name] });
    entries.push({ name: `v/${name}`, dtype: 'F32' as const, shape: v.shape, data: opt.v[name] });
  }
  const bytes = encodeSafetensors(entries);
  writeFileSync(path.join(dir, WEIGHTS + '.tmp'), bytes);
  writeFileSync(path.join(dir, META + '.tmp'), JSON.stringify({ ...state, adamStep: opt.step }));
  renameSync(path.join(dir, WEIGHTS + '.tmp'), path.join(dir, WEIGHTS));
  renameSync(path.join(dir, META + '.tmp'), path.join(dir, META));
}

/** Reads a checkpoint written by `saveCheckpoint`, or null when there is none. */
export function loadCheckpoint(
  dir: string,
): { state: PretrainState; adamStep: number; tensors: Map<string, Float32Array> } | null {
  if (!existsSync(path.join(dir, META)) || !existsSync(path.join(dir, WEIGHTS))) return null;
  const meta = JSON.parse(readFileSync(path.join(dir, META), 'utf8')) as PretrainState & { adamStep: number };
  const buf = readFileSync(path.join(dir, WEIGHTS));
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<
    string,
    { dtype: string; data_offsets: [number, number] }
  >;
  const tensors = new Map<string, Float32Array>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    const bytes = buf.subarray(8 + headerLen + a, 8 + headerLen + b);
    tensors.set(name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  }
  return { state: meta, adamStep: meta.adamStep, tensors };
}
