/**
 * The engine's error vocabulary. Every failure that can reach the UI is one of these classes (or a hub error,
 * src/spec/hub-errors.ts, under the same root), so a component can branch on `instanceof` and show a message the
 * user can act on. Errors cross the worker boundary as a plain `WireError` (src/spec/wire-error.ts) and are
 * rebuilt into the same class on the other side.
 */

/** Why a GPU operation failed; mirrors WebGPU's error-scope filters plus device loss. */
export type GpuFaultKind = 'out-of-memory' | 'validation' | 'internal' | 'device-lost';

/** Base class of every engine error. `detail` holds the technical part that `message` leaves out. */
export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * The GPU reported a fault while a job ran. tfjs-webgpu would otherwise hand back stale buffers, so a job that saw
 * one of these never returns a result.
 */
export class GpuError extends EngineError {
  override name = 'GpuError';
  constructor(
    readonly fault: GpuFaultKind,
    message: string,
    detail?: string,
  ) {
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

/** The message shown for a full disk, in one place so storage and protocol agree. */
export function quotaMessage(): string {
  return 'Browser storage is full. Delete old adapters, checkpoints or cached models (Adapters tab), or free disk space, then try again.';
}

/** Compile-time exhaustiveness: call in the `default` branch of every switch over a union. */
export function assertNever(value: never, what = 'value'): never {
  throw new ProtocolError(`Unexpected ${what}: ${JSON.stringify(value)}`);
}
