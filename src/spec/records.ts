/**
 * Shapes of the records the studio stores. Metadata only: blobs live in chunk parts listed in `parts`.
 * Records are plain structured-clone data (no class instances, no typed arrays outside `chunks`).
 */
import type { PromptFormat } from './prompt-format';
import type { TrainRunSpec } from './run-spec';

/** Where one named blob of a record is stored. */
export interface PartInfo {
  byteLength: number;
  /** Number of chunks (for progress and integrity checks). */
  chunks: number;
}

/** Parts of a record, by name (`weights`, `ids`, a tensor name…). */
export type Parts = Record<string, PartInfo>;

/** A saved LoRA adapter: PEFT config and safetensors weights (part `weights`), plus what the list shows. */
export interface AdapterRecord {
  id: string;
  name: string;
  /** Hugging Face id or local name of the base model it was trained on. */
  baseModel: string;
  createdAt: number;
  updatedAt: number;
  rank: number;
  alpha: number;
  /** Targeted module names (`q_proj`, …). */
  targets: string[];
  /** Dataset it was trained on (id and display name), when known. */
  dataset: { id: string | null; name: string } | null;
  /** Final train/eval loss, when it came from a run here. */
  finalLoss: { train: number | null; eval: number | null } | null;
  /** The run that produced it. */
  runId: string | null;
  /** How its training prompts were rendered (samples and Generate render prompts the same way); absent if unknown. */
  promptFormat?: PromptFormat;
  /** `adapter_config.json` as PEFT writes it. */
  config: Record<string, unknown>;
  /** Total bytes of the parts. */
  sizeBytes: number;
  parts: Parts;
}

/** A dataset: what the user dropped in, normalized and tokenized (parts: e.g. `ids`, `lossMask`, `offsets`). */
export interface DatasetRecord {
  id: string;
  name: string;
  createdAt: number;
  /** Source file name and format (`jsonl`, `csv`, `parquet`…). */
  source: { fileName: string; format: string; byteLength: number };
  /** Detected shape and how fields were mapped. */
  shape: string;
  exampleCount: number;
  tokenCount: number;
  /** Tokenizer the ids belong to (base model id). */
  tokenizer: string | null;
  /** Free-form stats/settings from src/data (template, max length, split). */
  info: Record<string, unknown>;
  /** How prompts were rendered (chat template, a prompt template, plain); absent in records from before it was kept. */
  promptFormat?: PromptFormat;
  /** A few prompts of the eval split (of train when there is none): the Train section's default sample prompts. */
  samplePrompts?: string[];
  sizeBytes: number;
  parts: Parts;
}

/** One point of a run's metric history. */
export interface MetricPoint {
  step: number;
  loss: number;
  evalLoss?: number;
  lr?: number;
  gradNorm?: number;
  tokensPerSec?: number;
  time: number;
}

/**
 * What a run record keeps of its settings. The spec is wrapped (not stored as `config` itself) because records
 * already in users' databases have this shape; unwrapping it would need a schema migration for no gain. A run
 * filed from a cluster hand-off's loss curve, with no studio run behind it, has no spec.
 */
export interface RunConfig {
  spec?: TrainRunSpec;
}

/** A training run: its config and metric history (checkpoints are separate records). */
export interface RunRecord {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  status: 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';
  /** Train + adapter config as the trainer took it. */
  config: RunConfig;
  baseModel: string;
  datasetId: string | null;
  /** Adapter saved from this run, once there is one. */
  adapterId: string | null;
  metrics: MetricPoint[];
  error: string | null;
  /** For a run trained elsewhere (a cluster hand-off): the studio run its job was exported from. */
  handoffOf?: string | null;
}

/** One checkpoint of a run (part `state`: the trainer's encoded checkpoint). */
export interface CheckpointRecord {
  id: string;
  runId: string;
  step: number;
  createdAt: number;
  sizeBytes: number;
  parts: Parts;
}

/** A quantized base model cached for fast reloads (parts: one per packed tensor, plus `config`/`tokenizer`…). */
export interface CachedModelRecord {
  id: string;
  /** Display name and where it came from (hub repo@revision or a local folder name). */
  name: string;
  source: string;
  /** Quantization of the packed linears (`nf4`, `int8`…). */
  quant: string;
  createdAt: number;
  lastUsedAt: number;
  /** Free-form: config.json, tensor index (name → part, shape, dtype). */
  info: Record<string, unknown>;
  sizeBytes: number;
  parts: Parts;
}

/** An entry of the hub download cache: a (partial) file in part `data`, or a small JSON record. */
export interface HubEntryRecord {
  key: string;
  /** Bytes stored so far (files) — appends extend it. */
  size: number;
  /** Number of appended chunks. */
  chunks: number;
  /** JSON text for records; null for files. */
  json: string | null;
}
