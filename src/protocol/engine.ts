/**
 * The `Engine` interface the UI codes against. Two implementations: `LocalEngine` (src/engine, in-process: Node,
 * tests, or a main-thread fallback) and `EngineClient` (src/protocol/client.ts, forwards to the engine worker).
 * The UI never knows which one it holds.
 */
import type { EngineEvent, Params, RequestKind, Result } from './messages';
import type { EngineStream, StreamKind, StreamOptions } from './stream';

/** Per-call options. */
export interface RequestOptions {
  /** Aborting rejects the call with `CancelledError` and aborts the job where it runs. */
  signal?: AbortSignal;
  /** Receives the events of this job only (progress, log, step…). */
  onEvent?: (event: EngineEvent) => void;
  /**
   * ArrayBuffers inside `params` to transfer rather than copy (the caller loses them). Ignored in-process.
   */
  transfer?: Transferable[];
}

/** Listener for every event of every job, plus job-less ones (`gpuError` on device loss). */
export type EngineListener = (event: EngineEvent) => void;

/** Where compute runs, behind one interface. */
export interface Engine {
  /** Runs `kind`; resolves with its result or rejects with an `EngineError` subclass. */
  request<K extends RequestKind>(kind: K, params: Params<K>, options?: RequestOptions): Promise<Result<K>>;
  /** Runs a streaming request (`generate`, `train`) as an `AsyncIterable` of its events plus its `result`. */
  stream<K extends StreamKind>(kind: K, params: Params<K>, options?: StreamOptions): EngineStream<K>;
  /** Subscribes to all events; returns the unsubscribe function. */
  subscribe(listener: EngineListener): () => void;
  /** Releases the engine (terminates the worker / disposes tensors). Pending calls reject. */
  dispose(): void;
}
