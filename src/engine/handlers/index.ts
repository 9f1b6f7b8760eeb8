/**
 * The handler registry: one line per request. `EngineHandlers` is a mapped type over the protocol's request map,
 * so a request without a handler does not compile.
 */
import type { EngineHandlers } from '../job';
import { envHandler } from './env';
import { initHandler } from './init';
import { matmulCheckHandler } from './matmul-check';
import { storageEstimateHandler } from './storage-estimate';

export const coreHandlers: EngineHandlers = {
  init: initHandler,
  env: envHandler,
  matmulCheck: matmulCheckHandler,
  storageEstimate: storageEstimateHandler,
};
