// Engine.stream: the events of a streaming request as an AsyncIterable plus its result, the same from the
// in-process engine and from the worker client over a MessageChannel.
import { afterEach, describe, expect, it } from 'vitest';
import { nodeEngineDeps } from '../engine/deps.node.js';
import { coreHandlers } from '../engine/handlers';
import type { EngineHandlers } from '../engine/job';
import { LocalEngine } from '../engine/local-engine';
import { CancelledError, InvalidRequestError } from '../spec/errors';
import { servedClient } from '../test-utils/channel-engine.node.js';
import type { Engine } from './engine';

/** A `generate` that writes "a", "b", "c" (with a progress event the stream leaves out), or fails after "a". */
const handlers: EngineHandlers = {
  ...coreHandlers,
  generate: {
    gpu: false,
    async run(params, job) {
      job.progress('prefill', 1, 1);
      const pieces = ['a', 'b', 'c'];
      for (const [index, text] of pieces.entries()) {
        job.emit({ kind: 'token', index, id: index, text });
        await new Promise((r) => setTimeout(r, 1));
        if (params.prompt === 'fail') throw new InvalidRequestError('Stopped on purpose.');
        if (params.prompt === 'slow')
          await new Promise((_r, reject) => job.signal.addEventListener('abort', () => reject(job.signal.reason)));
      }
      return {
        text: pieces.join(''),
        finishReason: 'length',
        promptTokens: 1,
        newTokens: 3,
        prefillMs: 0,
        decodeMs: 0,
        seed: 0,
        adapters: [],
      };
    },
  },
};

const sampling = { temperature: 0, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1 };
const ask = (prompt: string) => ({ prompt, sampling, maxNewTokens: 3, seed: 0, use: 'base' as const });

const engines: Engine[] = [];
function inProcess(): Engine {
  const engine = new LocalEngine(nodeEngineDeps(), handlers);
  engines.push(engine);
  return engine;
}
function overWorkerProtocol(): Engine {
  const client = servedClient(null, handlers);
  engines.push(client);
  return client;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

describe.each([
  ['LocalEngine', inProcess],
  ['EngineClient', overWorkerProtocol],
])('%s.stream', (_name, make) => {
  it('yields the job’s own events in order, then ends; result is the request’s', async () => {
    const stream = make().stream('generate', ask('ok'));
    const seen: string[] = [];
    for await (const event of stream) seen.push(`${event.kind}:${event.text}`);
    expect(seen).toEqual(['token:a', 'token:b', 'token:c']);
    expect((await stream.result).text).toBe('abc');
  });

  it('buffers events that arrive before the loop reads them', async () => {
    const stream = make().stream('generate', ask('ok'));
    await stream.result;
    const texts: string[] = [];
    for await (const token of stream) texts.push(token.text);
    expect(texts).toEqual(['a', 'b', 'c']);
  });

  it('delivers what came before a failure, then throws the typed error (result rejects with it too)', async () => {
    const stream = make().stream('generate', ask('fail'));
    const texts: string[] = [];
    await expect(
      (async () => {
        for await (const token of stream) texts.push(token.text);
      })(),
    ).rejects.toBeInstanceOf(InvalidRequestError);
    expect(texts).toEqual(['a']);
    await expect(stream.result).rejects.toThrow('Stopped on purpose.');
  });

  it('cancels through its signal', async () => {
    const controller = new AbortController();
    const stream = make().stream('generate', ask('slow'), { signal: controller.signal });
    const texts: string[] = [];
    await expect(
      (async () => {
        for await (const token of stream) {
          texts.push(token.text);
          controller.abort();
        }
      })(),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(texts).toEqual(['a']);
  });
});
