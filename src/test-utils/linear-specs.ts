import type { LinearSpec } from '../lora/config';
import type { ModelConfig } from '../model/config';
import { layerLinearShapes } from '../model/memory-estimate';
import { linearPath } from '../model/weights';

/** Every projection of `config`, layer by layer in the model's own order, as the LoRA specs a loaded model gives. */
export function configLinearSpecs(config: ModelConfig): LinearSpec[] {
  return Array.from({ length: config.layers }, (_, i) =>
    layerLinearShapes(config).map((l) => ({
      path: linearPath(i, l.name),
      inFeatures: l.shape[1],
      outFeatures: l.shape[0],
    })),
  ).flat();
}
