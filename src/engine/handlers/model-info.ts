import { InvalidRequestError } from '../../spec/errors';
import type { HandlerSpec } from '../job';

/** `modelInfo`: the loaded model's facts, or null (the UI asks after a reload or a worker restart). */
export const modelInfoHandler: HandlerSpec<'modelInfo'> = {
  gpu: false,
  async run(_params, job) {
    return job.state.session.loaded?.info ?? null;
  },
};

/** `unloadModel`: frees the base and every adapter held on the device. */
export const unloadModelHandler: HandlerSpec<'unloadModel'> = {
  gpu: true,
  async run(_params, job) {
    if (job.state.session.busyTraining) {
      throw new InvalidRequestError('A training run is using the model. Stop it first.');
    }
    job.state.session.unload();
    return null;
  },
};
