/**
 * `JobEngine`: the in-process {@link Engine} without any tensor code. It owns job bookkeeping (ids, cancellation,
 * events, one-at-a-time GPU jobs inside WebGPU error scopes, failing the jobs in flight when the device reports a
 * fault) and reaches the GPU and tfjs only through an {@link EnginePlatform} its host passes in.
 *
 * Why apart from `LocalEngine`: the data worker serves parsing and tokenizing only. Importing `LocalEngine` (which
 * brings every handler and the tfjs backends) put 3.4 MB of tfjs in its bundle; this file and the data handlers
 * import nothing from `@tensorflow`, which `workers/data-bundle.test.ts` checks on the real build.
 */
import { withGpuErrorScope, type GpuFault, type GpuWatch } from '../backend/gpu-watch';
import type { Engine, EngineListener, RequestOptions } from '../protocol/engine';
import { streamRequest, type EngineStream, type StreamKind, type StreamOptions } from '../protocol/stream';
import { CancelledError, EngineError, GpuError, InvalidRequestError, WorkerCrashedError } from '../spec/errors';
import { toWireError } from '../spec/wire-error';
import type { EngineEvent, MemoryReport, Params, RequestKind, Result } from '../protocol/messages';
import { StepBoundary } from './step-boundary';
import { EngineState, type EngineDeps, type EngineHandlers, type JobContext } from './job';
import type { EngineSession } from './session';
import type { Liveness } from './liveness';

/** What the engine needs from the tensor runtime; `LocalEngine` passes tfjs's, the data worker {@link NO_PLATFORM}. */
export interface EnginePlatform {
  /** The WebGPU device the backend runs on, or null (wasm/cpu, or no backend at all). */
  gpuDevice(): GPUDevice | null;
  /** The current device's fault watch (it changes when `init` switches backend), or null. */
  gpuWatch(): GpuWatch | null;
  /** The status bar's memory figures; null where there is no tensor runtime (no `memory` events then). */
  memory(): MemoryReport | null;
  /** Creates the session that will hold the model and adapters (first use of `state.session`). */
  newSession(liveness: Liveness): EngineSession;
}

/** A host without tensors (the data worker): no GPU, no memory figures, and no model session. */
export const NO_PLATFORM: EnginePlatform = {
  gpuDevice: () => null,
  gpuWatch: () => null,
  memory: () => null,
  newSession: () => {
    throw new EngineError('This worker holds no model (it serves dataset requests only).');
  },
};

interface RunningJob {
  controller: AbortController;
  /** Set when a GPU fault hit while the job ran: the job fails with it whatever its handler returns. */
  fault: GpuError | null;
  onEvent?: (event: EngineEvent) => void;
}

/** Options for {@link JobEngine.execute} beyond the public request options. */
export interface ExecuteOptions extends RequestOptions {
  /** Collects buffers the handler marked for transfer (the worker adapter passes them to postMessage). */
  transferOut?: Transferable[];
}

/** In-process engine over a handler table; see the file comment. */
export class JobEngine implements Engine {
  readonly state: EngineState;
  private readonly listeners = new Set<EngineListener>();
  private readonly running = new Map<number, RunningJob>();
  private gpuQueue: Promise<unknown> = Promise.resolve();
  /** The step boundary of the training run holding the GPU queue, with the job id that opened it; null when none. */
  private boundary: { jobId: number; boundary: StepBoundary } | null = null;
  private watched: { watch: GpuWatch; off: () => void } | null = null;
  private nextId = 1;
  private disposed = false;

  /** Requests missing from `handlers` fail with `InvalidRequestError`. */
  constructor(
    deps: EngineDeps,
    private readonly handlers: Partial<EngineHandlers>,
    private readonly platform: EnginePlatform = NO_PLATFORM,
  ) {
    this.state = new EngineState(deps, platform.newSession);
  }

  request<K extends RequestKind>(kind: K, params: Params<K>, options: RequestOptions = {}): Promise<Result<K>> {
    return this.execute(this.nextId++, kind, params, options);
  }

  stream<K extends StreamKind>(kind: K, params: Params<K>, options?: StreamOptions): EngineStream<K> {
    return streamRequest(this, kind, params, options);
  }

  /** Runs a request under a caller-chosen job id (the worker uses the client's id). */
  async execute<K extends RequestKind>(
    id: number,
    kind: K,
    params: Params<K>,
    options: ExecuteOptions = {},
  ): Promise<Result<K>> {
    if (this.disposed) throw new WorkerCrashedError('The engine was shut down.');
    if (this.running.has(id)) throw new EngineError(`Job id ${id} is already running.`);
    const job: RunningJob = { controller: new AbortController(), fault: null, onEvent: options.onEvent };
    const { signal } = job.controller;
    const onAbort = () => job.controller.abort(new CancelledError());
    if (options.signal?.aborted) onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.running.set(id, job);
    const spec = this.handlers[kind];
    try {
      if (!spec) throw new InvalidRequestError(`This worker does not serve '${kind}' requests.`);
      const ctx = this.context(id, options.transferOut);
      const run = () => spec.run(params, ctx);
      const work = spec.gpu ? this.onGpuQueue(id, run, spec.betweenSteps === true, signal) : run();
      const result = await raceAbort(work, signal);
      if (job.fault) throw job.fault;
      return result;
    } catch (e) {
      if (job.fault) throw job.fault;
      if (signal.aborted && signal.reason instanceof Error) throw signal.reason;
      throw e;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.running.delete(id);
      this.syncWatch();
      // GPU jobs are the ones that allocate (a load, a run, a generation): the status bar hears at once.
      if (spec?.gpu) this.reportMemory();
    }
  }

  /** Aborts job `id` (worker `cancel` message). */
  cancel(id: number): void {
    this.running.get(id)?.controller.abort(new CancelledError());
  }

  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  dispose(): void {
    this.disposed = true;
    for (const job of this.running.values()) job.controller.abort(new WorkerCrashedError('The engine was shut down.'));
    this.watched?.off();
    this.watched = null;
    this.listeners.clear();
  }

  private context(jobId: number, transferOut: Transferable[] | undefined): JobContext {
    const signal = this.running.get(jobId)?.controller.signal ?? AbortSignal.abort(new CancelledError());
    return {
      jobId,
      signal,
      state: this.state,
      emit: (event) => this.emit({ ...event, jobId }),
      progress: (stage, done, total, unit = 'items') =>
        this.emit({ kind: 'progress', jobId, stage, done, total, unit }),
      log: (level, message) => this.emit({ kind: 'log', jobId, level, message }),
      transfer: (...buffers) => transferOut?.push(...buffers),
      gpuScope: (fn) => {
        const device = this.platform.gpuDevice();
        return device ? withGpuErrorScope(device, fn) : Promise.resolve(fn());
      },
      throwIfAborted: () => {
        if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
      },
      reportMemory: () => this.reportMemory(),
      stepBoundary: () => this.stepBoundary(jobId),
    };
  }

  private reportMemory(): void {
    if (this.listeners.size === 0 || this.disposed) return;
    const memory = this.platform.memory();
    if (memory) this.emit({ kind: 'memory', jobId: null, memory });
  }

  private emit(event: EngineEvent): void {
    if (event.jobId !== null) this.running.get(event.jobId)?.onEvent?.(event);
    for (const listener of this.listeners) listener(event);
  }

  /**
   * Chains GPU jobs so only one holds the device's error-scope stack at a time. A `betweenSteps` job asked for while
   * a training run holds the queue runs at that run's next step boundary instead (see step-boundary.ts).
   */
  private onGpuQueue<T>(jobId: number, run: () => Promise<T>, betweenSteps: boolean, signal: AbortSignal): Promise<T> {
    this.syncWatch();
    const scoped = async () => {
      const device = this.platform.gpuDevice();
      return device ? withGpuErrorScope(device, run) : run();
    };
    const host = this.boundary?.boundary;
    if (betweenSteps && host && !host.closed) return host.admit(scoped, signal);
    const owned = async () => {
      try {
        return await scoped();
      } finally {
        // Guests still waiting when a run's job ends run now, before the next queued job gets the device.
        if (this.boundary?.jobId === jobId) {
          await this.boundary.boundary.close();
          this.boundary = null;
        }
      }
    };
    const next = this.gpuQueue.then(owned, owned);
    this.gpuQueue = next.catch(() => undefined);
    return next;
  }

  /** Opens (or returns) the step boundary of GPU job `jobId`, which must be holding the queue. */
  private stepBoundary(jobId: number): StepBoundary {
    if (this.boundary?.jobId !== jobId) this.boundary = { jobId, boundary: new StepBoundary() };
    return this.boundary.boundary;
  }

  /** Follows the current device's fault watch (it changes when `init` switches backend). */
  private syncWatch(): void {
    const watch = this.platform.gpuWatch();
    if (this.watched?.watch === watch) return;
    this.watched?.off();
    this.watched = watch ? { watch, off: watch.onFault((f) => this.onGpuFault(f)) } : null;
  }

  private onGpuFault(fault: GpuFault): void {
    const error = new GpuError(fault.fault, fault.message, fault.detail);
    this.emit({ kind: 'gpuError', jobId: null, fault: fault.fault, error: toWireError(error) });
    for (const job of this.running.values()) {
      job.fault ??= error;
      job.controller.abort(error);
    }
  }
}

/** Resolves/rejects with `work`, or rejects with the signal's reason as soon as it aborts. */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    // The work's own rejection is superseded by the abort reason; keep it from surfacing as unhandled.
    work.catch(() => undefined);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
