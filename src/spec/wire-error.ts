/**
 * Errors as they cross `postMessage`: plain data that keeps the class name and its fields, so the client rebuilds
 * the same typed error the engine threw.
 */
import {
  CancelledError,
  EngineError,
  GpuError,
  InvalidRequestError,
  ProtocolError,
  QuotaError,
  quotaMessage,
  WorkerCrashedError,
  type GpuFaultKind,
} from './errors';
import { HubError, hubErrorFields, hubErrorFromFields, type HubErrorFields } from './hub-errors';

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
  /** For hub errors: their fields (repo, HTTP status, bytes done…). */
  hub?: HubErrorFields;
}

/** Converts anything thrown into its wire form, keeping the class name so the client can rebuild it. */
export function toWireError(e: unknown): WireError {
  if (e instanceof GpuError) return { name: e.name, message: e.message, detail: e.detail, gpuFault: e.fault };
  if (e instanceof HubError) return { name: e.name, message: e.message, detail: e.detail, hub: hubErrorFields(e) };
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
  const hub = w.hub ? hubErrorFromFields(w.name, w.message, w.hub) : null;
  if (hub) return hub;
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
