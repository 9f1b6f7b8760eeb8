/**
 * The engine's error vocabulary. Every failure that can reach the UI is one of these classes, so a component can
 * branch on `instanceof` and show a message the user can act on. Errors cross the worker boundary as a plain
 * {@link WireError} and are rebuilt into the same class on the other side.
 */

/** Why a GPU operation failed; mirrors WebGPU's error-scope filters plus device loss. */
export type GpuFaultKind = 'out-of-memory' | 'validation' | 'internal' | 'device-lost';

/** An error as it crosses `postMessage`: plain data, structured-clone safe. */
export interface WireError {
  /** The class name (`GpuError`, `CancelledError`, …) or the original `Error.name` for foreign errors. */
  name: string;
  /** One sentence a user can act on. */
  message: string;
  /** Technical detail (driver message, stack) for the log panel; never needed to understand `message`. */
  detail?: string;
  /** For `GpuError`: which kind of GPU fault. */
  gpuFault?: GpuFaultKind;
}

/** Base class of every engine error. `detail` holds the technical part that `message` leaves out. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(message: string, readonly detail?: string) {
    super(message);
  }
}

/**
 * The GPU reported a fault while a job ran. tfjs-webgpu would otherwise hand back stale buffers, so a job that saw
 * one of these never returns a result.
 */
export class GpuError extends EngineError {
  override name = 'GpuError';
  constructor(readonly fault: GpuFaultKind, message: string, detail?: string) {
    super(message, detail);
  }
}

/** The job was cancelled by its caller (AbortSignal) or by a newer job replacing it. */
export class CancelledError extends EngineError {
  override name = 'CancelledError';
  constructor(message = 'Cancelled.') {
    super(message);
  }
}

/** The engine worker died or stopped answering; pending calls fail with this and the client can restart it. */
export class WorkerCrashedError extends EngineError {
  override name = 'WorkerCrashedError';
}

/** Browser storage is full (IndexedDB `QuotaExceededError`). */
export class QuotaError extends EngineError {
  override name = 'QuotaError';
}

/** A malformed message or a version mismatch between page and worker (usually a stale cached worker). */
export class ProtocolError extends EngineError {
  override name = 'ProtocolError';
}

/** A request whose parameters cannot be honoured (bad override, unknown backend, out-of-range size). */
export class InvalidRequestError extends EngineError {
  override name = 'InvalidRequestError';
}

/** Converts anything thrown into its wire form, keeping the class name so the client can rebuild it. */
export function toWireError(e: unknown): WireError {
  if (e instanceof GpuError) return { name: e.name, message: e.message, detail: e.detail, gpuFault: e.fault };
  if (e instanceof EngineError) return { name: e.name, message: e.message, detail: e.detail };
  if (e instanceof Error) {
    // DOMException from IndexedDB surfaces as QuotaExceededError; give it the user-facing wording here too.
    if (e.name === 'QuotaExceededError') return { name: 'QuotaError', message: quotaMessage(), detail: e.message };
    return { name: e.name, message: e.message, detail: e.stack };
  }
  return { name: 'Error', message: String(e) };
}

/** Rebuilds the typed error a {@link WireError} came from; unknown names become a plain `EngineError`. */
export function fromWireError(w: WireError): EngineError {
  switch (w.name) {
    case 'GpuError':
      return new GpuError(w.gpuFault ?? 'internal', w.message, w.detail);
    case 'CancelledError':
      return new CancelledError(w.message);
    case 'WorkerCrashedError':
      return new WorkerCrashedError(w.message, w.detail);
    case 'QuotaError':
      return new QuotaError(w.message, w.detail);
    case 'ProtocolError':
      return new ProtocolError(w.message, w.detail);
    case 'InvalidRequestError':
      return new InvalidRequestError(w.message, w.detail);
    default: {
      const err = new EngineError(w.message, w.detail);
      // Keep a foreign name (SafetensorsError, TypeError) visible in logs.
      if (w.name !== 'EngineError') err.name = w.name;
      return err;
    }
  }
}

/** The message shown for a full disk, in one place so storage and protocol agree. */
export function quotaMessage(): string {
  return 'Browser storage is full. Delete old adapters, checkpoints or cached models (Adapters tab), or free disk space, then try again.';
}

/** Compile-time exhaustiveness: call in the `default` branch of every switch over a union. */
export function assertNever(value: never, what = 'value'): never {
  throw new ProtocolError(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
