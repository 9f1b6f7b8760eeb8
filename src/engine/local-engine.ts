/**
 * `LocalEngine`: the in-process {@link Engine} with every handler and tfjs behind it. It serves Node (CLI, tests)
 * and, wrapped by `serveEngine`, the engine worker. The job bookkeeping (ids, cancellation, events, one-at-a-time
 * GPU jobs inside WebGPU error scopes, failing the jobs in flight when the device reports a fault) lives in
 * {@link JobEngine}; this file plugs in the tfjs backends, the model session and the full handler registry.
 */
import { currentGpuDevice, currentGpuWatch } from '../backend/webgpu';
import { coreHandlers } from './handlers';
import type { EngineDeps, EngineHandlers } from './job';
import { JobEngine, type EnginePlatform } from './job-engine';
import { memoryReport } from './memory-report';
import { EngineSession } from './session';

export type { ExecuteOptions } from './job-engine';

/** The tfjs runtime as the engine sees it. */
const TFJS_PLATFORM: EnginePlatform = {
  gpuDevice: currentGpuDevice,
  gpuWatch: currentGpuWatch,
  memory: memoryReport,
  newSession: (liveness) => new EngineSession(liveness),
};

/** In-process engine. */
export class LocalEngine extends JobEngine {
  /**
   * `handlers`: every request by default; a worker that serves only some requests passes its subset, and the
   * others fail with `InvalidRequestError`.
   */
  constructor(deps: EngineDeps, handlers: Partial<EngineHandlers> = coreHandlers) {
    super(deps, handlers, TFJS_PLATFORM);
  }
}
