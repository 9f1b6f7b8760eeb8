/**
 * Field-by-field validation of a checkpoint's JSON metadata before anything uses it (#13): a corrupt or
 * hand-edited checkpoint must fail with the file and the field named, not with a bare JSON parse error or a
 * TypeError three calls later. Shared by every store (file, IndexedDB, memory) through `decodeCheckpoint`.
 */
import { InputError } from '../spec/input-error';
import type { Checkpoint } from './checkpoint';

/** The metadata as `encodeCheckpoint` writes it (tensors live beside it in the safetensors body). */
export type CheckpointMeta = Omit<Checkpoint, 'params' | 'adam'> & { adamStep: number; names: string[] };

type Raw = Record<string, unknown>;

const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isU32 = (v: unknown): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;

/** Parses and checks the metadata JSON; `where` names the file in every message. */
export function parseCheckpointMeta(json: string, where: string, version: number): CheckpointMeta {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new InputError(`${where}: checkpoint metadata is not valid JSON (${(e as Error).message})`);
  }
  const bad = (field: string, want: string, got: unknown): never => {
    throw new InputError(
      `${where}: checkpoint field "${field}" must be ${want}, got ${JSON.stringify(got)?.slice(0, 80)}; ` +
        'the checkpoint is corrupt (delete it to start over)',
    );
  };
  if (!isObject(raw)) bad('(metadata)', 'an object', raw);
  const m = raw as Raw;
  if (m.version !== version)
    throw new InputError(
      `${where}: checkpoint version ${JSON.stringify(m.version)} is not supported (expected ${version})`,
    );
  for (const k of ['step', 'adamStep'] as const) if (!isCount(m[k])) bad(k, 'an integer ≥ 0', m[k]);
  const names = m.names;
  if (
    !Array.isArray(names) ||
    !names.every((n) => typeof n === 'string' && n.length > 0) ||
    new Set(names).size !== names.length
  ) {
    bad('names', 'a list of distinct tensor names', names);
  }
  if (!Array.isArray(m.rng) || m.rng.length !== 4 || !m.rng.every(isU32))
    bad('rng', '4 unsigned 32-bit integers', m.rng);
  checkData(m.data, bad);
  if (
    !Array.isArray(m.metrics) ||
    !m.metrics.every((x) => isObject(x) && isCount(x.step) && (typeof x.loss === 'number' || x.loss === null))
  ) {
    bad('metrics', 'a list of {step, loss, …} records', m.metrics);
  }
  if (!(typeof m.lrScale === 'number' && Number.isFinite(m.lrScale) && m.lrScale > 0 && m.lrScale <= 1))
    bad('lrScale', 'a number in (0, 1]', m.lrScale);
  if (!(typeof m.elapsedMs === 'number' && Number.isFinite(m.elapsedMs) && m.elapsedMs >= 0))
    bad('elapsedMs', 'a number ≥ 0', m.elapsedMs);
  return m as unknown as CheckpointMeta;
}

function checkData(d: unknown, bad: (field: string, want: string, got: unknown) => never): void {
  if (!isObject(d)) bad('data', 'an object', d);
  const p = d as Raw;
  if (!isCount(p.epoch)) bad('data.epoch', 'an integer ≥ 0', p.epoch);
  const order = p.order;
  if (!Array.isArray(order) || !order.every(isCount)) bad('data.order', 'a list of example indices', order);
  const n = (order as number[]).length;
  // A permutation of 0..n-1: anything else would index past the dataset or repeat examples.
  const seen = new Uint8Array(n);
  for (const i of order as number[]) {
    if (i >= n || seen[i]) bad('data.order', `a permutation of 0..${n - 1}`, i);
    seen[i] = 1;
  }
  if (!isCount(p.cursor) || (p.cursor as number) > n) bad('data.cursor', `an integer in [0, ${n}]`, p.cursor);
  if (!Array.isArray(p.rng) || p.rng.length !== 4 || !p.rng.every(isU32))
    bad('data.rng', '4 unsigned 32-bit integers', p.rng);
}

/** Adam moments and parameters must be finite (v ≥ 0): NaN here would poison the resumed run silently. */
export function checkCheckpointTensor(
  where: string,
  name: string,
  kind: 'param' | 'adam_m' | 'adam_v',
  data: Float32Array,
): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0 || (kind === 'adam_v' && v < 0)) {
      throw new InputError(
        `${where}: ${kind}/${name} holds ${v} at index ${i}; the checkpoint is corrupt (delete it to start over)`,
      );
    }
  }
}
