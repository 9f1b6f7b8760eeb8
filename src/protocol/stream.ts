/**
 * The engine's streaming requests (`generate`, `train`) as `AsyncIterable`s beside the `onEvent` callback, as
 * web-llm offers its chat completions: `for await (const e of engine.stream('generate', params))` reads the
 * tokens, `await s.result` the outcome. Written once over `Engine.request`, so the in-process engine and the worker
 * client stream the same way.
 */
import type { Engine, RequestOptions } from './engine';
import type { EngineEvent, Params, Result } from './messages';
import type { TrainEventMap } from './train-types';

/** The events each streaming request yields. */
export interface StreamEventKinds {
  generate: 'token';
  train: keyof TrainEventMap;
}

/** A request that streams. */
export type StreamKind = keyof StreamEventKinds;

/** One event of a `K` stream. */
export type StreamEvent<K extends StreamKind> = Extract<EngineEvent, { kind: StreamEventKinds[K] }>;

/** Options of a stream: a request's options, less `onEvent` (the stream is the events). */
export type StreamOptions = Omit<RequestOptions, 'onEvent'>;

/**
 * A running request: iterate it for its events, in order; `result` settles with the request. The iteration ends
 * when the request does, after the last event, and throws the request's error when it failed. Breaking out of the
 * loop only stops reading: cancel the request with `signal`.
 */
export interface EngineStream<K extends StreamKind> extends AsyncIterable<StreamEvent<K>> {
  readonly result: Promise<Result<K>>;
}

const KINDS: { [K in StreamKind]: ReadonlySet<string> } = {
  generate: new Set(['token']),
  train: new Set<keyof TrainEventMap>(['trainStart', 'trainStep', 'trainSample', 'checkpointSaved', 'trainStatus']),
};

/** Starts `kind` on `engine` at once; events that arrive before the loop reads them wait in order. */
export function streamRequest<K extends StreamKind>(
  engine: Engine,
  kind: K,
  params: Params<K>,
  options: StreamOptions = {},
): EngineStream<K> {
  const queue: StreamEvent<K>[] = [];
  let wake: (() => void) | null = null;
  let settled = false;
  let failure: { error: unknown } | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  const wanted = KINDS[kind];
  const result = engine.request(kind, params, {
    ...options,
    onEvent: (event) => {
      if (!wanted.has(event.kind)) return;
      queue.push(event as StreamEvent<K>);
      poke();
    },
  });
  result.then(
    () => {
      settled = true;
      poke();
    },
    (error: unknown) => {
      settled = true;
      failure = { error };
      poke();
    },
  );
  return {
    result,
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (settled) break;
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if (failure) throw failure.error;
    },
  };
}
