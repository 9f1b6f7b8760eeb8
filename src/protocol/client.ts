/**
 * `EngineClient`: the {@link Engine} that forwards to the engine worker. It owns the worker's life: waits for its
 * `ready` (checking PROTOCOL_VERSION), matches results to calls by id, routes job events, turns wire errors back
 * into typed errors, cancels through AbortSignal, and notices a dead worker (error event, or silence: no message of
 * any kind — pong, event, result or `alive` beat — for the heartbeat timeout) so
 * that pending calls reject with `WorkerCrashedError` instead of hanging. `restart()` brings up a fresh worker.
 */
import type { Engine, EngineListener, RequestOptions } from './engine';
import { streamRequest, type EngineStream, type StreamKind, type StreamOptions } from './stream';
import { CancelledError, EngineError, ProtocolError, WorkerCrashedError, assertNever } from '../spec/errors';
import { fromWireError } from '../spec/wire-error';
import {
  PROTOCOL_VERSION,
  isResultFor,
  type ClientMessage,
  type EngineEvent,
  type Params,
  type RequestKind,
  type Result,
  type ResultMessage,
  type WorkerMessage,
} from './messages';
import { isWorkerMessage } from './validate';

/** The subset of `Worker` / `MessagePort` the client needs. */
export interface ClientEndpoint {
  postMessage(message: ClientMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void;
  removeEventListener(type: 'message' | 'messageerror' | 'error', listener: (event: Event) => void): void;
  /** Worker: kill it. */
  terminate?(): void;
  /** MessagePort: close it. */
  close?(): void;
  /** MessagePort: start delivery (needed with addEventListener). */
  start?(): void;
}

export interface EngineClientOptions {
  /** Creates the worker; called at construction and on every restart. */
  connect: () => ClientEndpoint;
  /** Ping interval in ms; 0 disables liveness checks (default 0). */
  heartbeatMs?: number;
  /** A worker silent for this long is declared dead (default 6 × heartbeatMs). */
  heartbeatTimeoutMs?: number;
  /** How long to wait for the worker's `ready` message (default 30 s: the first load compiles wasm). */
  readyTimeoutMs?: number;
}

/** Life of the worker as the UI shows it. */
export type EngineClientState = 'starting' | 'ready' | 'crashed' | 'disposed';

interface Pending {
  settle(msg: ResultMessage): void;
  reject(error: Error): void;
  onEvent?: (event: EngineEvent) => void;
}

const CRASH_MESSAGE =
  'The engine worker stopped (it crashed, or the tab ran out of memory). Restart the engine; work since the last checkpoint is lost.';

/** Worker-backed {@link Engine}. */
export class EngineClient implements Engine {
  private endpoint: ClientEndpoint;
  private ready!: Promise<void>;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<EngineListener>();
  private readonly stateListeners = new Set<(state: EngineClientState, error?: EngineError) => void>();
  private nextId = 1;
  private pingSeq = 0;
  /** When the oldest ping still without any answer was sent; null when the worker spoke since. */
  private unansweredSince: number | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private crashError: EngineError | null = null;
  private _state: EngineClientState = 'starting';
  private readyWaiter: {
    resolve: () => void;
    reject: (e: Error) => void;
    timer: ReturnType<typeof setTimeout>;
  } | null = null;
  private readonly onMessage = (event: Event) => this.receive('data' in event ? event.data : undefined);
  private readonly onFailure = (event: Event) => this.crash(new WorkerCrashedError(CRASH_MESSAGE, describe(event)));

  constructor(private readonly options: EngineClientOptions) {
    this.endpoint = this.start();
  }

  get state(): EngineClientState {
    return this._state;
  }

  /** Called on every state change (starting → ready → crashed …) with the crash error when there is one. */
  onStateChange(listener: (state: EngineClientState, error?: EngineError) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  async request<K extends RequestKind>(kind: K, params: Params<K>, options: RequestOptions = {}): Promise<Result<K>> {
    if (this._state === 'disposed') throw new WorkerCrashedError('The engine was shut down.');
    if (this.crashError) throw this.crashError;
    await this.ready;
    if (options.signal?.aborted) throw new CancelledError();
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        this.post({ type: 'cancel', id }, []);
        reject(new CancelledError());
      };
      const done = () => options.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        settle: (msg) => {
          done();
          if (isResultFor(kind, msg)) resolve(msg.result);
          else reject(new ProtocolError(`Worker answered '${msg.kind}' to a '${kind}' request.`));
        },
        reject: (error) => {
          done();
          reject(error);
        },
        onEvent: options.onEvent,
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.post({ type: 'request', id, kind, params }, options.transfer ?? []);
    });
  }

  stream<K extends StreamKind>(kind: K, params: Params<K>, options?: StreamOptions): EngineStream<K> {
    return streamRequest(this, kind, params, options);
  }

  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Kills the current worker (if alive), rejects what is pending, and starts a fresh one. */
  async restart(): Promise<void> {
    if (this._state === 'disposed') throw new WorkerCrashedError('The engine was shut down.');
    this.teardown(new WorkerCrashedError('The engine was restarted.'));
    this.crashError = null;
    this.endpoint = this.start();
    await this.ready;
  }

  /** Resolves once the worker said `ready`. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  dispose(): void {
    if (this._state === 'disposed') return;
    this.teardown(new WorkerCrashedError('The engine was shut down.'));
    this.setState('disposed');
  }

  private start(): ClientEndpoint {
    const endpoint = this.options.connect();
    this.setState('starting');
    endpoint.addEventListener('message', this.onMessage);
    endpoint.addEventListener('error', this.onFailure);
    endpoint.addEventListener('messageerror', this.onFailure);
    endpoint.start?.();
    this.unansweredSince = null;
    this.ready = new Promise<void>((resolve, reject) => {
      const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        const err = new WorkerCrashedError(`The engine worker did not start within ${timeoutMs / 1000} s.`);
        this.crash(err);
      }, timeoutMs);
      this.readyWaiter = { resolve, reject, timer };
    });
    // A request made while starting awaits `ready`; without a handler a crash before then would be unhandled.
    this.ready.catch(() => undefined);
    this.startHeartbeat();
    return endpoint;
  }

  private receive(data: unknown): void {
    this.unansweredSince = null;
    if (!isWorkerMessage(data)) {
      this.emitLocal({
        kind: 'log',
        jobId: null,
        level: 'warn',
        message: 'Ignored a malformed message from the engine worker.',
      });
      return;
    }
    this.dispatch(data);
  }

  private dispatch(msg: WorkerMessage): void {
    switch (msg.type) {
      case 'ready':
        return this.onReady(msg.protocolVersion);
      case 'result': {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        return p?.settle(msg);
      }
      case 'error': {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        return p?.reject(fromWireError(msg.error));
      }
      case 'event':
        return this.emitLocal(msg.event);
      // Both only prove the worker lives; receive() already noted that.
      case 'pong':
      case 'alive':
        return;
      default:
        return assertNever(msg, 'worker message');
    }
  }

  private onReady(version: number): void {
    const waiter = this.readyWaiter;
    if (!waiter) return;
    if (version !== PROTOCOL_VERSION) {
      // crash() rejects the pending `ready` with this error.
      this.crash(
        new ProtocolError(
          `The engine worker speaks protocol ${version}, the page ${PROTOCOL_VERSION}: reload the page to update both.`,
        ),
      );
      return;
    }
    clearTimeout(waiter.timer);
    this.readyWaiter = null;
    this.setState('ready');
    waiter.resolve();
  }

  private emitLocal(event: EngineEvent): void {
    if (event.jobId !== null) this.pending.get(event.jobId)?.onEvent?.(event);
    for (const listener of this.listeners) listener(event);
  }

  private post(message: ClientMessage, transfer: Transferable[]): void {
    try {
      this.endpoint.postMessage(message, transfer);
    } catch (e) {
      // DataCloneError: params hold something that cannot be cloned (a function, a tensor). Fail that call only.
      if (message.type === 'request') {
        const p = this.pending.get(message.id);
        this.pending.delete(message.id);
        p?.reject(new ProtocolError(`Could not send '${message.kind}' to the engine worker.`, String(e)));
      }
    }
  }

  private startHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 0;
    if (every <= 0) return;
    const timeout = this.options.heartbeatTimeoutMs ?? every * 6;
    // Death = no message of any kind (pong, event, result, `alive`) since the oldest unanswered ping, for longer than
    // the timeout. A busy worker whose loop is blocked by a long step answers no ping but posts `alive` beats.
    // Measured from that ping rather than from the last message: a throttled background tab or a sleeping laptop
    // delays our timer too, and that must not look like a dead worker.
    this.heartbeat = setInterval(() => {
      // Until `ready`, the ready timeout judges the worker (its first load compiles wasm and can take a while).
      if (this._state !== 'ready') return;
      const now = Date.now();
      if (this.unansweredSince !== null && now - this.unansweredSince > timeout) {
        this.crash(new WorkerCrashedError(CRASH_MESSAGE, `no answer to a ping for ${now - this.unansweredSince} ms`));
        return;
      }
      this.unansweredSince ??= now;
      this.post({ type: 'ping', seq: this.pingSeq++ }, []);
    }, every);
  }

  private crash(error: EngineError): void {
    if (this._state === 'disposed' || this.crashError) return;
    this.crashError = error;
    this.teardown(error);
    this.setState('crashed', error);
  }

  /** Detaches and kills the endpoint, rejecting pending calls and a pending `ready` with `error`. */
  private teardown(error: EngineError): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    if (this.readyWaiter) {
      clearTimeout(this.readyWaiter.timer);
      this.readyWaiter.reject(error);
      this.readyWaiter = null;
    }
    this.endpoint.removeEventListener('message', this.onMessage);
    this.endpoint.removeEventListener('error', this.onFailure);
    this.endpoint.removeEventListener('messageerror', this.onFailure);
    this.endpoint.terminate?.();
    this.endpoint.close?.();
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reject(error);
  }

  private setState(state: EngineClientState, error?: EngineError): void {
    this._state = state;
    for (const listener of this.stateListeners) listener(state, error);
  }
}

function describe(event: Event): string {
  if ('message' in event && typeof event.message === 'string' && event.message) return event.message;
  return `worker ${event.type} event`;
}
