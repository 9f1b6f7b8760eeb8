/** The library handlers' shared shape: a request that only reads or writes the database (no GPU). */
import type { Params, RequestKind, Result } from '../../protocol/messages';
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
