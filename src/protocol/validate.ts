/**
 * Shape checks for messages arriving over `postMessage`, whose data is untyped at runtime. Both ends run the same
 * build (checked through PROTOCOL_VERSION), so these guard against stale workers and foreign messages (extensions,
 * devtools), not against a hostile peer: they check the envelope, and handlers check the values they use.
 */
import type { WireError } from '../spec/wire-error';
import { isRequestKind, type ClientMessage, type EngineEvent, type WorkerMessage } from './messages';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isId(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** True when `x` has the {@link WireError} shape. */
export function isWireError(x: unknown): x is WireError {
  return isRecord(x) && typeof x.name === 'string' && typeof x.message === 'string';
}

function isEvent(x: unknown): x is EngineEvent {
  return isRecord(x) && typeof x.kind === 'string' && (x.jobId === null || isId(x.jobId));
}

/** Guard for messages the worker receives. */
export function isClientMessage(x: unknown): x is ClientMessage {
  if (!isRecord(x)) return false;
  switch (x.type) {
    case 'request':
      return isId(x.id) && isRequestKind(x.kind) && isRecord(x.params);
    case 'cancel':
      return isId(x.id);
    case 'ping':
      return isId(x.seq);
    default:
      return false;
  }
}

/** Guard for messages the client receives. */
export function isWorkerMessage(x: unknown): x is WorkerMessage {
  if (!isRecord(x)) return false;
  switch (x.type) {
    case 'result':
      return isId(x.id) && isRequestKind(x.kind) && 'result' in x;
    case 'error':
      return isId(x.id) && isWireError(x.error);
    case 'ready':
      return typeof x.protocolVersion === 'number';
    case 'event':
      return isEvent(x.event);
    case 'pong':
      return isId(x.seq);
    case 'alive':
      return true;
    default:
      return false;
  }
}
