import { storageEstimate } from '../../storage/estimate';
import type { HandlerSpec } from '../job';

/** `storageEstimate`: browser storage usage and quota where the engine runs. */
export const storageEstimateHandler: HandlerSpec<'storageEstimate'> = {
  gpu: false,
  async run(_params, job) {
    return storageEstimate(job.state.deps.storage);
  },
};
