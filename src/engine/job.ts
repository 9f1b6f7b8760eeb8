/**
 * What a request handler gets besides its params: its job id, an AbortSignal, ways to report progress, and the
 * engine state it works on. Handlers are plain async functions; one file per request in `handlers/`.
 */
import type { BackendReport } from '../backend/select';
import type { WasmBinaryPaths } from '../backend/wasm';
import type { StudioDb } from '../storage/schema';
import { EngineError } from '../spec/errors';
import type { EngineEventMap, JobEventInput, Params, RequestKind, Result } from '../protocol/messages';
import { Liveness } from './liveness';
import type { EngineSession } from './session';
import type { StepBoundary } from './step-boundary';

/** Environment the engine runs in, supplied by its host (worker entry, CLI, test). */
export interface EngineDeps {
  /** Where the wasm backend's binaries are served (worker: Vite `?url` imports; Node: package dist folder). */
  wasmPaths: string | WasmBinaryPaths;
  /** `navigator.gpu` (browser) or Dawn's `GPU` (Node tests); null where WebGPU does not exist. */
  gpu: () => GPU | null;
  crossOriginIsolated: boolean;
  /** `navigator.storage` where available. */
  storage: StorageManager | null;
  /** Opens the studio's IndexedDB (worker: `getStudioDb`); null where there is none (plain Node). */
  openDb: (() => Promise<StudioDb>) | null;
  /** Least time between two liveness beats (default 1000 ms; see liveness.ts). */
  pulseMs?: number;
}

/**
 * Mutable engine state shared by handlers. Later requests add their resources here (loaded model, tokenizer,
 * adapters), each documented with who creates and who disposes it.
 */
export class EngineState {
  /** Set by `init`; null before. */
  backend: BackendReport | null = null;
  /** Beats while long synchronous work runs (the worker posts them as `alive` messages). */
  readonly liveness: Liveness;
  private ownSession: EngineSession | null = null;

  /**
   * `newSession` makes the model session on first use: the engine passes one that builds an `EngineSession`, which
   * brings tfjs with it, so a host without tensors (the data worker) never imports that code.
   */
  constructor(
    readonly deps: EngineDeps,
    private readonly newSession: (liveness: Liveness) => EngineSession,
  ) {
    this.liveness = new Liveness(deps.pulseMs ?? 1000);
  }

  /** The loaded base model, its tokenizer and the adapters on the device (see session.ts for ownership). */
  get session(): EngineSession {
    this.ownSession ??= this.newSession(this.liveness);
    return this.ownSession;
  }

  /** The studio database; throws a clear error where the host has none. */
  async db(): Promise<StudioDb> {
    if (!this.deps.openDb) throw new EngineError('Browser storage (IndexedDB) is not available here.');
    return this.deps.openDb();
  }
}

/** Per-job services for a handler. */
export interface JobContext {
  readonly jobId: number;
  /** Fires on cancel and on a GPU fault; long loops check `signal.aborted` (or call `throwIfAborted`). */
  readonly signal: AbortSignal;
  readonly state: EngineState;
  /** Emits an event tagged with this job's id. */
  emit(event: JobEventInput): void;
  /** Shorthand for a `progress` event. */
  progress(stage: string, done: number, total: number | null, unit?: EngineEventMap['progress']['unit']): void;
  /** Shorthand for a `log` event. */
  log(level: EngineEventMap['log']['level'], message: string): void;
  /** Marks buffers in the result to be transferred to the client instead of copied (no-op in-process). */
  transfer(...buffers: ArrayBuffer[]): void;
  /**
   * Runs GPU work inside WebGPU error scopes (on webgpu; plain call elsewhere) so a failed allocation becomes a
   * `GpuError` right here instead of stale data. Use it per training step / generation chunk.
   */
  gpuScope<T>(fn: () => Promise<T> | T): Promise<T>;
  /** Throws the abort reason (CancelledError or GpuError) when the job was aborted. */
  throwIfAborted(): void;
  /** Emits a job-less `memory` event with the engine's current counters (long jobs call it as memory moves). */
  reportMemory(): void;
  /**
   * For a GPU job that holds the queue for long with safe points in between (a training run): opens its step
   * boundary, where `betweenSteps` jobs asked for meanwhile run (see step-boundary.ts). The engine closes it when
   * the job ends; the job closes it earlier when guests need something the job is about to free.
   */
  stepBoundary(): StepBoundary;
}

/** A request's implementation. */
export interface HandlerSpec<K extends RequestKind> {
  /**
   * True when the handler uses the GPU: such jobs run one at a time (WebGPU error scopes are a per-device stack)
   * inside an error scope, and fail with `GpuError` when the device reports a fault while they run.
   */
  gpu: boolean;
  /**
   * A GPU job that may run at a training run's step boundary when a run holds the queue (read-only on the model and
   * adapters: generate, score), instead of waiting for the run to end.
   */
  betweenSteps?: boolean;
  run(params: Params<K>, job: JobContext): Promise<Result<K>>;
}

/** Every request's handler; the mapped type makes a missing handler a compile error. */
export type EngineHandlers = { [K in RequestKind]: HandlerSpec<K> };
