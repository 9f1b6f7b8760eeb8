// Errors cross postMessage as plain data and come back as the same class with the same fields.
import { describe, expect, it } from 'vitest';
import { EngineError, GpuError, InvalidRequestError } from './errors';
import { HubAccessError, HubError, HubNetworkError, HubStorageError } from './hub-errors';
import { fromWireError, toWireError } from './wire-error';

/** What the client gets after the error crossed a structured clone. */
const crossed = (e: unknown) => fromWireError(structuredClone(toWireError(e)));

describe('wire errors', () => {
  it('rebuilds hub errors typed, with their fields', () => {
    const access = crossed(
      new HubAccessError('Accept the licence on huggingface.co, then retry.', 'org/gated', 403, true),
    );
    expect(access).toBeInstanceOf(HubAccessError);
    expect(access).toBeInstanceOf(EngineError);
    expect(access).toMatchObject({
      repo: 'org/gated',
      status: 403,
      gated: true,
      message: 'Accept the licence on huggingface.co, then retry.',
    });
    const net = crossed(
      new HubNetworkError('Connection lost; retry to resume.', 'org/m', 'model.safetensors', 1234, true),
    );
    expect(net).toBeInstanceOf(HubNetworkError);
    expect(net).toMatchObject({ file: 'model.safetensors', bytesDone: 1234, resumable: true });
    expect(crossed(new HubStorageError('Full.', 'org/m', 10, null))).toMatchObject({
      neededBytes: 10,
      availableBytes: null,
    });
    expect(crossed(new HubError('Hub failed.', 'org/m'))).toBeInstanceOf(HubError);
  });

  it('keeps engine errors and foreign names as before', () => {
    expect(crossed(new GpuError('out-of-memory', 'GPU memory ran out.'))).toMatchObject({ fault: 'out-of-memory' });
    expect(crossed(new InvalidRequestError('Bad.'))).toBeInstanceOf(InvalidRequestError);
    const foreign = crossed(new TypeError('x is not a function'));
    expect(foreign).toBeInstanceOf(EngineError);
    expect(foreign.name).toBe('TypeError');
  });
});
