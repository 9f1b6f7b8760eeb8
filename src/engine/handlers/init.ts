import { BACKEND_PREFERENCES, selectBackend } from '../../backend/select';
import { requireOneOf } from './request-checks';
import type { HandlerSpec } from '../job';

/** `init`: selects the tensor backend the user prefers (or the best available) and records the report. */
export const initHandler: HandlerSpec<'init'> = {
  gpu: true,
  async run(params, job) {
    requireOneOf(params.preference, BACKEND_PREFERENCES, 'backend');
    const { deps } = job.state;
    job.progress('backend', 0, 1);
    const report = await selectBackend({
      preference: params.preference,
      wasmPaths: deps.wasmPaths,
      gpu: deps.gpu(),
      crossOriginIsolated: deps.crossOriginIsolated,
      threads: params.threads,
    });
    job.state.backend = report;
    job.log('info', `backend ${report.backend}: ${report.reason}`);
    job.progress('backend', 1, 1);
    return report;
  },
};
