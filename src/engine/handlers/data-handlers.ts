/**
 * The data worker's handlers: dataset sampling, preview, preparation and the dataset library.
 */
import type { EngineHandlers } from '../job';
import { deleteDatasetHandler, listDatasetsHandler, prepareDataHandler, prepareShardHandler, previewDataHandler, sampleDataHandler, validateDataHandler } from './data';

export const dataHandlers: Partial<EngineHandlers> = {
  sampleData: sampleDataHandler,
  previewData: previewDataHandler,
  prepareData: prepareDataHandler,
  prepareShard: prepareShardHandler,
  validateData: validateDataHandler,
  listDatasets: listDatasetsHandler,
  deleteDataset: deleteDatasetHandler,
};
