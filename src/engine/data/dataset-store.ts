/**
 * How a prepared dataset sits in IndexedDB: each split's compact arrays (src/data/compact.ts) as parts named
 * `train.ids`, `train.lossMask`, `train.offsets` (+ `train.segmentIds`, `train.positionIds` when packed) and the
 * same for `eval`; storage cuts every part into bounded chunks. The training handler reads it back with
 * {@link loadStoredDataset}.
 */
import type { CompactExamples } from '../../data/compact';
import { toCompact } from '../../data/compact';
import type { PromptFormat } from '../../data/prompt-format';
import type { PreparedDataset } from '../../data/types';
import { EngineError } from '../../spec/errors';
import { getDataset, putDataset, readDatasetPart, type StudioDb, type WriteOptions } from '../../storage';
import type { DatasetRecord } from '../../spec/records';

const FIELDS = ['ids', 'lossMask', 'offsets', 'segmentIds', 'positionIds'] as const;
type Field = (typeof FIELDS)[number];

function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** The parts of one split. */
function splitParts(split: 'train' | 'eval', c: CompactExamples): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const f of FIELDS) {
    const a = c[f];
    if (a) out[`${split}.${f}`] = bytesOf(a);
  }
  return out;
}

/** What the record describes besides the parts. */
export interface DatasetMeta {
  id: string;
  name: string;
  source: DatasetRecord['source'];
  tokenizer: string;
  info: Record<string, unknown>;
  /** How prompts were rendered and a few eval prompts (the data handler always gives them). */
  promptFormat?: PromptFormat;
  samplePrompts?: string[];
}

/** Stores a prepared dataset (both splits) under `meta.id`. */
export async function saveDataset(
  db: StudioDb,
  meta: DatasetMeta,
  prepared: PreparedDataset,
  options?: WriteOptions,
): Promise<DatasetRecord> {
  const train = toCompact(prepared.train);
  const evalSet = toCompact(prepared.eval);
  const tokenCount = train.ids.length + evalSet.ids.length;
  return putDataset(
    db,
    {
      id: meta.id,
      name: meta.name,
      source: meta.source,
      shape: prepared.shape ?? 'unknown',
      exampleCount: prepared.train.length + prepared.eval.length,
      tokenCount,
      tokenizer: meta.tokenizer,
      promptFormat: meta.promptFormat,
      samplePrompts: meta.samplePrompts,
      info: {
        ...meta.info,
        trainExamples: prepared.train.length,
        evalExamples: prepared.eval.length,
        packed: Boolean(train.segmentIds),
      },
    },
    { ...splitParts('train', train), ...splitParts('eval', evalSet) },
    options,
  );
}

/** A stored dataset, read back: its record and both splits in compact form. */
export interface StoredDataset {
  record: DatasetRecord;
  train: CompactExamples;
  eval: CompactExamples;
}

async function readSplit(db: StudioDb, record: DatasetRecord, split: 'train' | 'eval'): Promise<CompactExamples> {
  const part = async (f: Field): Promise<Uint8Array | null> =>
    record.parts[`${split}.${f}`] ? readDatasetPart(db, record, `${split}.${f}`) : null;
  const [ids, lossMask, offsets, segmentIds, positionIds] = await Promise.all(FIELDS.map(part));
  if (!ids || !lossMask || !offsets)
    throw new EngineError(`Dataset '${record.name}' is incomplete in storage; prepare it again.`);
  // readPart returns fresh, exactly-sized arrays, so their buffers can be viewed directly.
  const view = <T>(b: Uint8Array, C: new (buf: ArrayBuffer, off: number, len: number) => T, size: number) =>
    new C(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength / size);
  const out: CompactExamples = {
    ids: view(ids.slice(), Int32Array, 4),
    lossMask: lossMask.slice(),
    offsets: view(offsets.slice(), Uint32Array, 4),
  };
  if (segmentIds && positionIds) {
    out.segmentIds = view(segmentIds.slice(), Int32Array, 4);
    out.positionIds = view(positionIds.slice(), Int32Array, 4);
  }
  return out;
}

/** Reads dataset `id` (both splits); throws a user-facing error when it does not exist. */
export async function loadStoredDataset(db: StudioDb, id: string): Promise<StoredDataset> {
  const record = await getDataset(db, id);
  if (!record) throw new EngineError(`No stored dataset with id '${id}'. Prepare it again in the Data section.`);
  const [train, evalSet] = await Promise.all([readSplit(db, record, 'train'), readSplit(db, record, 'eval')]);
  return { record, train, eval: evalSet };
}
