/**
 * THE worker protocol: every request, response and event between the UI and the engine worker.
 *
 * To add a request: one entry in {@link EngineRequestMap} (its params and result), one key in
 * {@link REQUEST_KINDS}, and one handler in `src/engine/handlers/` registered in `src/engine/handlers/index.ts`
 * (the compiler points at each place). To add an event: one entry in {@link EngineEventMap}.
 *
 * Shape: requests and results are tagged by `kind` and carry the `id` the client chose; the id is also the job id
 * that the job's events carry. Errors cross as {@link WireError}. Large arrays travel as transferred ArrayBuffers
 * (see `RequestOptions.transfer` and `JobContext.transfer`).
 */
import type { BackendPreference, BackendReport } from '../backend/select';
import type { AdapterRecord, DatasetRecord, RunRecord } from '../spec/records';
import type { StorageEstimateResult } from '../storage/estimate';
import type { GpuFaultKind } from '../spec/errors';
import type { WireError } from '../spec/wire-error';
import type {
  CompactShard,
  DataFileSample,
  PrepareDataParams,
  PrepareDataResult,
  PrepareShardParams,
  PreviewDataParams,
  PreviewResult,
  ValidateDataParams,
} from './data-types';
import type { ExportJobParams, ExportJobResult } from './handoff-types';
import type { ExportBundleParams, ExportBundleResult } from './export-types';
import type {
  ActiveAdapter,
  ExportedAdapter,
  GenerateCompareParams,
  GenerateOutcome,
  GenerateParams,
  ImportAdapterParams,
  MergeAdaptersParams,
} from './generate-types';
import type { ScoreParams, ScoreResult } from './score-types';
import type { EvaluateParams, EvaluateResult } from './eval-types';
import type { LoadModelParams, ModelInfo, ModelInspection, ModelSource, NamedBlob } from './model-types';
import type { ColumnMapping } from '../data/types';
import type {
  EstimateTrainingParams,
  TrainAction,
  TrainEventMap,
  TrainingEstimate,
  TrainParams,
  TrainRunResult,
} from './train-types';

/**
 * Bumped on any incompatible change; the client refuses a worker that speaks another version.
 * 2: the worker's `alive` message, the `memory` event, `generate` with `use: 'training'`.
 * 3: `prepareShard`, and `prepareData` merging shards (the studio tokenizes on a pool of data workers).
 */
export const PROTOCOL_VERSION = 3;

/** Params of `init`: which backend the user wants (persisted in the UI store). */
export interface InitParams {
  preference: BackendPreference;
  /** wasm threads to use when cross-origin isolated; default: hardware concurrency, capped. */
  threads?: number;
}

/** What `env` reports about the engine's current state. */
export interface EnvReport {
  protocolVersion: number;
  /** Null until `init` succeeded. */
  backend: BackendReport | null;
  /** tfjs memory counters on the current backend. */
  memory: MemoryReport;
  tfjsVersion: string;
  userAgent: string;
  hardwareConcurrency: number;
}

/** The engine's memory counters (tfjs `tf.memory()` on the current backend). */
export interface MemoryReport {
  numTensors: number;
  /** Bytes of every live tensor, wherever its data is (host memory, wasm heap, GPU buffers). */
  numBytes: number;
  /**
   * WebGPU: bytes of the GPU buffers tensors use now (tfjs uploads a tensor on its first kernel, so a model that has
   * not run yet shows less here than in `numBytes`). Null on backends without GPU buffers (wasm, cpu).
   */
  numBytesInGPU: number | null;
  /** WebGPU: bytes of GPU buffers allocated, including the pool kept for reuse. Null off WebGPU. */
  numBytesAllocatedInGPU: number | null;
}

/** Result of `matmulCheck`: the backend's matmul against a float64 CPU reference. */
export interface MatmulCheckResult {
  backend: string;
  shape: [m: number, k: number, n: number];
  maxAbsDiff: number;
  /** The tolerance `ok` was judged with (fp32 accumulation error grows with k). */
  tolerance: number;
  ok: boolean;
  millis: number;
}

/** Every request: name → params and result. */
export interface EngineRequestMap {
  /** Picks and initialises the tensor backend (call first, and again to switch). */
  init: { params: InitParams; result: BackendReport };
  /** Reports the backend and memory. */
  env: { params: Record<string, never>; result: EnvReport };
  /** Multiplies two small random matrices on the backend and compares with a CPU float64 product. */
  matmulCheck: { params: { m?: number; k?: number; n?: number; seed?: number }; result: MatmulCheckResult };
  /** `navigator.storage.estimate()` where the engine runs. */
  storageEstimate: { params: Record<string, never>; result: StorageEstimateResult };
  /** Per-token log-probabilities of a sequence under the loaded base (or with the active adapter mix). */
  score: { params: ScoreParams; result: ScoreResult };
  /** Scores variants (base, adapters, mixes) on a stored dataset; optional Predict grid (multiplexed batches). */
  evaluate: { params: EvaluateParams; result: EvaluateResult };
  /** Generates from the loaded base, alone or with the active adapter mix; streams `token` events. */
  generate: { params: GenerateParams; result: GenerateOutcome };
  /** One prompt under several uses (base, adapters, training) in one multiplexed batch, same seed; `token` events carry `row`. */
  generateCompare: { params: GenerateCompareParams; result: GenerateOutcome[] };
  /** Ends running generations after their current token; each answers with the text it wrote (finish 'aborted'). */
  stopGeneration: { params: Record<string, never>; result: { stopped: number } };
  /** Sets the adapter mix used by `generate` (opens adapters from storage as needed; applies live). */
  setActiveAdapters: { params: { adapters: ActiveAdapter[] }; result: ActiveAdapter[] };
  /** Copies a saved adapter under a new id and name. */
  duplicateAdapter: { params: { id: string; name?: string }; result: AdapterRecord };
  /** The PEFT files of a saved adapter and a zip of both (buffers transferred). */
  exportAdapter: { params: { id: string }; result: ExportedAdapter };
  /** A saved adapter for another tool (GGUF adapter, merged GGUF, merged HF folder) or the base as GGUF; streamed. */
  exportBundle: { params: ExportBundleParams; result: ExportBundleResult };
  /** Imports a PEFT adapter (folder files or a .zip), checked against the loaded base model. */
  /** A run (or the Train form) as a job zip for axolotl / TRL on a GPU cluster. */
  exportJob: { params: ExportJobParams; result: ExportJobResult };
  importAdapter: { params: ImportAdapterParams; result: AdapterRecord };
  /** Merges saved adapters into a new one (concat or weighted SVD), saved to the library. */
  mergeAdapters: { params: MergeAdaptersParams; result: AdapterRecord };
  /** Saved adapters, most recently updated first (metadata only). */
  listAdapters: { params: Record<string, never>; result: AdapterRecord[] };
  /** One adapter with its `adapter_model.safetensors` bytes (transferred). */
  getAdapter: { params: { id: string }; result: { record: AdapterRecord; weights: ArrayBuffer } };
  renameAdapter: { params: { id: string; name: string }; result: AdapterRecord };
  deleteAdapter: { params: { id: string }; result: { id: string } };
  /** Count and bytes per kind of stored data, for the storage manager. */
  storageSummary: { params: Record<string, never>; result: StorageSummary };
  /** Reads a model's config.json (only that, from the hub): facts and memory per quantization. */
  inspectModel: { params: { source: ModelSource }; result: ModelInspection };
  /** Loads a base model (stages download → parse → quantize → upload), replacing the current one. */
  loadModel: { params: LoadModelParams; result: ModelInfo };
  /** The loaded model's facts, or null. */
  modelInfo: { params: Record<string, never>; result: ModelInfo | null };
  /** Frees the base model and every adapter held on the device. */
  unloadModel: { params: Record<string, never>; result: null };
  /** Data worker: the first records of each file, its keys and the detected shape (for the mapping editor). */
  sampleData: { params: { files: NamedBlob[]; mapping?: ColumnMapping }; result: DataFileSample[] };
  /** Data worker: one record rendered and tokenized as training will see it, each token with its loss flag. */
  previewData: { params: PreviewDataParams; result: PreviewResult };
  /** Data worker: validate every record, tokenize, gather stats, and store the dataset (chunked) in IndexedDB. */
  prepareData: { params: PrepareDataParams; result: PrepareDataResult };
  /** Data worker: one shard of a pooled preparation (every file read and validated, every Nth record tokenized). */
  prepareShard: { params: PrepareShardParams; result: CompactShard };
  /** Data worker: read and validate every record (no tokenizer, nothing stored): problems as soon as files drop. */
  validateData: { params: ValidateDataParams; result: PrepareDataResult };
  /** Stored datasets, newest first (metadata only). */
  listDatasets: { params: Record<string, never>; result: DatasetRecord[] };
  deleteDataset: { params: { id: string }; result: { id: string } };
  /** Memory, trainable parameters and steps of a run with these settings on the loaded model (before starting). */
  estimateTraining: { params: EstimateTrainingParams; result: TrainingEstimate };
  /** Trains a LoRA adapter (or resumes a run) until it ends; events: trainStart, trainStep, trainSample, checkpointSaved, trainStatus. */
  train: { params: TrainParams; result: TrainRunResult };
  /** Pauses, resumes or stops the running training run (answers at once; the run reacts at its next step boundary). */
  trainControl: { params: { runId: string; action: TrainAction }; result: { runId: string; accepted: boolean } };
  /** Training runs, newest first, with their metric history. */
  listRuns: { params: Record<string, never>; result: RunRecord[] };
  /** One run with its metric history (re-open a run's loss chart). */
  getRun: { params: { id: string }; result: RunRecord };
  /** Deletes a run and its checkpoints (its saved adapter stays). */
  deleteRun: { params: { id: string }; result: { id: string } };
}

/** What the studio stores, by kind. */
export type StorageSummary = Record<
  'adapters' | 'datasets' | 'runs' | 'checkpoints' | 'models',
  { count: number; bytes: number }
>;

export type RequestKind = keyof EngineRequestMap;
export type Params<K extends RequestKind> = EngineRequestMap[K]['params'];
export type Result<K extends RequestKind> = EngineRequestMap[K]['result'];

/** Runtime list of request names; the mapped type makes a missing or extra key a compile error. */
export const REQUEST_KINDS: { readonly [K in RequestKind]: true } = {
  init: true,
  env: true,
  matmulCheck: true,
  storageEstimate: true,
  score: true,
  evaluate: true,
  generate: true,
  generateCompare: true,
  setActiveAdapters: true,
  stopGeneration: true,
  duplicateAdapter: true,
  exportAdapter: true,
  exportJob: true,
  exportBundle: true,
  importAdapter: true,
  mergeAdapters: true,
  listAdapters: true,
  getAdapter: true,
  renameAdapter: true,
  deleteAdapter: true,
  storageSummary: true,
  inspectModel: true,
  loadModel: true,
  modelInfo: true,
  unloadModel: true,
  sampleData: true,
  previewData: true,
  prepareData: true,
  prepareShard: true,
  validateData: true,
  listDatasets: true,
  deleteDataset: true,
  estimateTraining: true,
  train: true,
  trainControl: true,
  listRuns: true,
  getRun: true,
  deleteRun: true,
};

/** Runtime check that a string names a request. */
export function isRequestKind(kind: unknown): kind is RequestKind {
  return typeof kind === 'string' && Object.prototype.hasOwnProperty.call(REQUEST_KINDS, kind);
}

/** Every event: name → payload. Each event also carries `kind` and `jobId` (null: not tied to a job). */
export interface EngineEventMap extends TrainEventMap {
  /** A long job advanced; `total` null when unknown. */
  progress: {
    stage: string;
    done: number;
    total: number | null;
    unit: 'bytes' | 'items' | 'steps' | 'tokens';
    /** Units per second over the last few seconds, when the job measures it (downloads, quantization). */
    rate?: number;
    /** What is being worked on (a file name, a tensor), for the progress line. */
    detail?: string;
  };
  /** `generate`: a piece of text that became final (may be '' while a character or stop string is held back). */
  token: {
    index: number;
    id: number;
    text: string;
    /** `generateCompare`: the row (index into `uses`). */ row?: number;
  };
  /** A line for the log panel. */
  log: { level: 'debug' | 'info' | 'warn' | 'error'; message: string };
  /** The GPU reported a fault (out of memory, validation, device lost). */
  gpuError: { fault: GpuFaultKind; error: WireError };
  /**
   * The engine's memory changed: sent (job-less) after every GPU job and after every training step, so the status
   * bar follows a load or a run without waiting for its poll.
   */
  memory: { memory: MemoryReport };
}

export type EventKind = keyof EngineEventMap;

/** One event, discriminated by `kind`. */
export type EngineEvent = { [K in EventKind]: { kind: K; jobId: number | null } & EngineEventMap[K] }[EventKind];

/** An event as a job emits it: the engine stamps the `jobId`. */
export type JobEventInput = { [K in EventKind]: { kind: K } & EngineEventMap[K] }[EventKind];

// ---- Messages on the wire -----------------------------------------------------------------------------------------

/** Client → worker: run a request. `K` defaults to the union; a specific `K` correlates kind and params. */
export interface RequestMessage<K extends RequestKind = RequestKind> {
  type: 'request';
  id: number;
  kind: K;
  params: Params<K>;
}

/** Client → worker: abort the job with this id (its AbortSignal fires; it answers with a CancelledError). */
export interface CancelMessage {
  type: 'cancel';
  id: number;
}

/** Client → worker: liveness probe, answered by `pong` even while jobs run. */
export interface PingMessage {
  type: 'ping';
  seq: number;
}

export type ClientMessage = RequestMessage | CancelMessage | PingMessage;

/** Worker → client: the job succeeded. */
export interface ResultMessage<K extends RequestKind = RequestKind> {
  type: 'result';
  id: number;
  kind: K;
  result: Result<K>;
}

/** Worker → client: the job failed. */
export interface ErrorMessage {
  type: 'error';
  id: number;
  error: WireError;
}

/** Worker → client: sent once when the worker is listening. */
export interface ReadyMessage {
  type: 'ready';
  protocolVersion: number;
}

/** Worker → client: an event. */
export interface EventMessage {
  type: 'event';
  event: EngineEvent;
}

/** Worker → client: answer to a ping. */
export interface PongMessage {
  type: 'pong';
  seq: number;
}

/**
 * Worker → client: unprompted sign of life, sent (at most about once a second) from inside long synchronous work —
 * a wasm training step blocks the worker's event loop, so pings wait unanswered until the step ends.
 */
export interface AliveMessage {
  type: 'alive';
}

export type WorkerMessage = ResultMessage | ErrorMessage | ReadyMessage | EventMessage | PongMessage | AliveMessage;

/** Narrows a result to the request kind the client is waiting for (runtime check of the correlation). */
export function isResultFor<K extends RequestKind>(kind: K, msg: ResultMessage): msg is ResultMessage<K> {
  return msg.kind === kind;
}
