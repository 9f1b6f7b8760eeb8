/**
 * Types of the model requests (`inspectModel`, `loadModel`, `modelInfo`, `unloadModel`): where a base model comes
 * from, how it is stored on the device, and the facts the Model section shows. Plain structured-clone data.
 */
import type { QuantMode } from '../spec/modules';

/** A model shipped with the studio under `public/models/` (fetched from the page's own origin). */
export interface BuiltinModelSource {
  kind: 'builtin';
  /** Id shown and stored with adapters (`lorastudio-demo`). */
  id: string;
  /** Absolute URL of the folder, ending in `/` (the worker resolves nothing against its own location). */
  baseUrl: string;
  /** File names inside the folder (a static server cannot list a directory). */
  files: string[];
}

/** A Hugging Face repo, downloaded once into the browser's cache. */
export interface HubModelSource {
  kind: 'hub';
  /** `owner/name` or a huggingface.co URL. */
  repo: string;
  revision?: string;
  /** Read token for gated/private repos; used for this load's requests only, never stored. */
  token?: string | null;
  /** Default https://huggingface.co (tests point it at a local server). */
  hubUrl?: string;
}

/** One dropped file: its name beside the blob (a `File` cloned to a worker may arrive as a nameless Blob). */
export interface NamedBlob {
  name: string;
  blob: Blob;
}

/** Files the user dropped or picked (config.json, tokenizer files, *.safetensors). Blobs clone without copying. */
export interface LocalModelSource {
  kind: 'files';
  /** Display name (the folder's name, or the first file's). */
  name: string;
  files: NamedBlob[];
}

export type ModelSource = BuiltinModelSource | HubModelSource | LocalModelSource;

/** How the base's embeddings are stored (see `loadModel`'s `embeddings` option). */
export type EmbeddingMode = 'f32' | 'f16';

/** Params of `loadModel`. */
export interface LoadModelParams {
  source: ModelSource;
  /** Storage of the frozen q/k/v/o/gate/up/down weights. */
  quant: QuantMode;
  /** Default: f16 on webgpu (halves the largest tensors), f32 elsewhere. */
  embeddings?: EmbeddingMode;
}

/** One storage choice with the device memory it needs. */
export interface QuantEstimate {
  mode: QuantMode;
  /** Device bytes of the frozen base (weights only). */
  bytes: number;
  /** Host bytes (the f16 embedding table when embeddings are compact). */
  hostBytes: number;
  /** False when the base alone would not fit the budget below. */
  fits: boolean;
}

/** What the device can hold, as far as the browser tells. */
export interface DeviceBudget {
  backend: string;
  /** Largest single GPU buffer (webgpu), else null. */
  maxBufferBytes: number | null;
  /** Memory we plan against: wasm's 4 GiB heap, or `navigator.deviceMemory` for webgpu, or null when unknown. */
  budgetBytes: number | null;
  /** One sentence on where `budgetBytes` comes from. */
  note: string;
}

/** Architecture facts of a checkpoint, from its config.json. */
export interface ModelFacts {
  family: string;
  architecture: string;
  parameters: number;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  contextLength: number;
  tiedEmbeddings: boolean;
}

/** Result of `inspectModel`: facts and per-mode memory, before any weight is read. */
export interface ModelInspection {
  label: string;
  facts: ModelFacts;
  estimates: QuantEstimate[];
  device: DeviceBudget;
  /** Mode the studio suggests: the most precise one that fits with room for training. */
  suggested: QuantMode;
}

/** The loaded base model, as `loadModel` and `modelInfo` report it. */
export interface ModelInfo {
  /** Stable id stored with adapters and datasets (`lorastudio-demo`, `org/name@main`, `local:folder`). */
  id: string;
  label: string;
  sourceKind: ModelSource['kind'];
  facts: ModelFacts;
  quant: QuantMode;
  embeddings: EmbeddingMode;
  /** Device bytes of the loaded base (estimate from its packed layout). */
  deviceBytes: number;
  hasChatTemplate: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
  /** Milliseconds the load took, download included. */
  loadMillis: number;
  /** Bytes fetched over the network (hub), 0 otherwise. */
  downloadedBytes: number;
  backend: string;
}

/** Stages of a model load, in order (progress events carry them as `stage`). */
export const MODEL_LOAD_STAGES = ['download', 'parse', 'quantize', 'upload'] as const;
export type ModelLoadStage = (typeof MODEL_LOAD_STAGES)[number];
