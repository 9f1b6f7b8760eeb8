import { loadModelConfig } from '../../model/config';
import type { HandlerSpec } from '../job';
import { deviceBudget } from '../model/device-budget';
import { defaultEmbeddings, modelFacts, quantEstimates, suggestQuant } from '../model/facts';
import { sourceConfigFiles } from '../model/open-source';

/**
 * `inspectModel`: config.json only → facts and the memory of each quantization against the device budget, so
 * the user picks a mode before any weight moves (a hub repo: only its config.json is fetched).
 */
export const inspectModelHandler: HandlerSpec<'inspectModel'> = {
  gpu: false,
  async run(params, job) {
    const opened = await sourceConfigFiles(params.source, job);
    const config = await loadModelConfig(opened.files);
    const device = deviceBudget();
    const estimates = quantEstimates(config, defaultEmbeddings(device.backend), device);
    return {
      label: opened.label,
      facts: modelFacts(config),
      estimates,
      device,
      suggested: suggestQuant(estimates, device),
    };
  },
};
