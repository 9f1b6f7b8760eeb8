/** Adapter library requests: list, fetch (weights transferred), rename, delete. Storage lives in src/storage. */
import { InvalidRequestError } from '../../spec/errors';
import { deleteAdapter, getAdapter, listAdapters, renameAdapter } from '../../storage/adapters';
import type { HandlerSpec } from '../job';

function requireId(id: unknown): string {
  if (typeof id !== 'string' || !id) throw new InvalidRequestError('An adapter id is required.');
  return id;
}

/** `listAdapters`: metadata of every saved adapter, newest first. */
export const listAdaptersHandler: HandlerSpec<'listAdapters'> = {
  gpu: false,
  async run(_params, job) {
    return listAdapters(await job.state.db());
  },
};

/** `getAdapter`: record plus `adapter_model.safetensors` bytes, transferred to the caller. */
export const getAdapterHandler: HandlerSpec<'getAdapter'> = {
  gpu: false,
  async run(params, job) {
    const id = requireId(params.id);
    const stored = await getAdapter(await job.state.db(), id);
    if (!stored) throw new InvalidRequestError(`No saved adapter with id '${id}'.`);
    // readPart returns a fresh, exactly-sized array: its buffer can be handed over without copying.
    const weights = stored.weights.buffer;
    if (!(weights instanceof ArrayBuffer)) throw new InvalidRequestError('Adapter weights are not transferable.');
    job.transfer(weights);
    return { record: stored.record, weights };
  },
};

/** `renameAdapter`: new display name (weights untouched). */
export const renameAdapterHandler: HandlerSpec<'renameAdapter'> = {
  gpu: false,
  async run(params, job) {
    return renameAdapter(await job.state.db(), requireId(params.id), String(params.name ?? ''));
  },
};

/** `deleteAdapter`: removes the record and its weight chunks in one transaction. */
export const deleteAdapterHandler: HandlerSpec<'deleteAdapter'> = {
  gpu: false,
  async run(params, job) {
    const id = requireId(params.id);
    await deleteAdapter(await job.state.db(), id);
    // Free its tensors if generation had it open.
    job.state.session.dropAdapter(id);
    return { id };
  },
};
