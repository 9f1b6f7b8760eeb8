/**
 * The worker side of the protocol: validates incoming messages, runs them on a {@link JobEngine} (`LocalEngine`, or
 * the data worker's tensor-free one), posts results, typed errors and every event. Transport-agnostic (a Worker's `self`, or a MessagePort in tests).
 */
import { ProtocolError, assertNever } from '../spec/errors';
import { toWireError } from '../spec/wire-error';
import { PROTOCOL_VERSION, type ClientMessage, type RequestMessage, type WorkerMessage } from '../protocol/messages';
import { isClientMessage } from '../protocol/validate';
import type { RequestKind } from '../protocol/messages';
import type { JobEngine } from './job-engine';

/** The subset of `DedicatedWorkerGlobalScope` / `MessagePort` the server needs. */
export interface ServerEndpoint {
  postMessage(message: WorkerMessage, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
  start?(): void;
}

/** Serves `engine` on `endpoint`; posts `ready` immediately. Returns a function that stops serving. */
export function serveEngine(endpoint: ServerEndpoint, engine: JobEngine): () => void {
  const post = (message: WorkerMessage, transfer: Transferable[] = []) => endpoint.postMessage(message, transfer);
  const unsubscribe = engine.subscribe((event) => post({ type: 'event', event }));
  // Long synchronous work (a wasm training step) cannot answer pings; its per-layer beats keep the page informed.
  const offBeat = engine.state.liveness.on(() => post({ type: 'alive' }));
  const onMessage = (event: MessageEvent) => {
    const data: unknown = event.data;
    if (!isClientMessage(data)) {
      const error = new ProtocolError(
        'The engine worker received a malformed message.',
        JSON.stringify(data)?.slice(0, 200),
      );
      post({
        type: 'event',
        event: { kind: 'log', jobId: null, level: 'warn', message: `${error.message} ${error.detail ?? ''}` },
      });
      return;
    }
    handle(data);
  };
  const handle = (msg: ClientMessage) => {
    switch (msg.type) {
      case 'request':
        return void run(msg);
      case 'cancel':
        return engine.cancel(msg.id);
      case 'ping':
        return post({ type: 'pong', seq: msg.seq });
      default:
        return assertNever(msg, 'client message');
    }
  };
  const run = async <K extends RequestKind>(msg: RequestMessage<K>) => {
    const transfer: Transferable[] = [];
    try {
      const result = await engine.execute(msg.id, msg.kind, msg.params, { transferOut: transfer });
      post({ type: 'result', id: msg.id, kind: msg.kind, result }, transfer);
    } catch (e) {
      post({ type: 'error', id: msg.id, error: toWireError(e) });
    }
  };
  endpoint.addEventListener('message', onMessage);
  endpoint.start?.();
  post({ type: 'ready', protocolVersion: PROTOCOL_VERSION });
  return () => {
    endpoint.removeEventListener('message', onMessage);
    unsubscribe();
    offBeat();
  };
}
