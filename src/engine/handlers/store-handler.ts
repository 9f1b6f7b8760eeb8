/**
 * The library handlers' shared parts: a request that only reads or writes the database (no GPU), and the id check
 * every one-item request makes, with one wording.
 */
import type { Params, RequestKind, Result } from '../../protocol/messages';
import { InvalidRequestError } from '../../spec/errors';
import type { StudioDb } from '../../storage/schema';
import type { HandlerSpec } from '../job';

/** A handler that answers from the database alone (list adapters, datasets, runs): no GPU, so it never queues. */
export function storeHandler<K extends RequestKind>(
  answer: (db: StudioDb, params: Params<K>) => Promise<Result<K>>,
): HandlerSpec<K> {
  return {
    gpu: false,
    async run(params, job) {
      return answer(await job.state.db(), params);
    },
  };
}

/** `id` as a non-empty string; otherwise the request is refused naming what the id is of (`'adapter'`). */
export function requireId(id: unknown, of: string): string {
  if (typeof id !== 'string' || !id)
    throw new InvalidRequestError(`A${/^[aeiou]/.test(of) ? 'n' : ''} ${of} id is required.`);
  return id;
}
