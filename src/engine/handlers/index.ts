/**
 * The handler registry: one line per request. `EngineHandlers` is a mapped type over the protocol's request map,
 * so a request without a handler does not compile.
 */
import type { EngineHandlers } from '../job';
import { deleteAdapterHandler, getAdapterHandler, listAdaptersHandler, renameAdapterHandler } from './adapter-library';
import { exportBundleHandler } from './export-bundle';
import {
  duplicateAdapterHandler,
  exportAdapterHandler,
  importAdapterHandler,
  mergeAdaptersHandler,
} from './adapter-library';
import { generateHandler, setActiveAdaptersHandler, stopGenerationHandler } from './generate';
import { dataHandlers } from './data';
import { envHandler } from './env';
import { exportJobHandler } from './export-job';
import { generateCompareHandler } from './generate-compare';
import { evaluateHandler } from './evaluate';
import { initHandler } from './init';
import { inspectModelHandler } from './inspect-model';
import { loadModelHandler } from './load-model';
import { modelInfoHandler, unloadModelHandler } from './model-info';
import { matmulCheckHandler } from './matmul-check';
import { scoreHandler } from './score';
import { storageEstimateHandler } from './storage-estimate';
import { storageSummaryHandler } from './storage-summary';
import { trainHandler } from './train';
import {
  deleteRunHandler,
  estimateTrainingHandler,
  getRunHandler,
  listRunsHandler,
  trainControlHandler,
} from './train-runs';

export const coreHandlers: EngineHandlers = {
  init: initHandler,
  env: envHandler,
  matmulCheck: matmulCheckHandler,
  storageEstimate: storageEstimateHandler,
  score: scoreHandler,
  evaluate: evaluateHandler,
  generate: generateHandler,
  generateCompare: generateCompareHandler,
  setActiveAdapters: setActiveAdaptersHandler,
  stopGeneration: stopGenerationHandler,
  duplicateAdapter: duplicateAdapterHandler,
  exportAdapter: exportAdapterHandler,
  exportJob: exportJobHandler,
  exportBundle: exportBundleHandler,
  importAdapter: importAdapterHandler,
  mergeAdapters: mergeAdaptersHandler,
  listAdapters: listAdaptersHandler,
  getAdapter: getAdapterHandler,
  renameAdapter: renameAdapterHandler,
  deleteAdapter: deleteAdapterHandler,
  storageSummary: storageSummaryHandler,
  inspectModel: inspectModelHandler,
  loadModel: loadModelHandler,
  modelInfo: modelInfoHandler,
  unloadModel: unloadModelHandler,
  // Served by the data worker in the studio; registered here too so an in-process engine (CLI, tests) has them.
  ...dataHandlers,
  estimateTraining: estimateTrainingHandler,
  train: trainHandler,
  trainControl: trainControlHandler,
  listRuns: listRunsHandler,
  getRun: getRunHandler,
  deleteRun: deleteRunHandler,
};
