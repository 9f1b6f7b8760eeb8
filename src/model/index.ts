/**
 * The model engine's public surface (browser and Node). Node-only helpers (`folderFiles`) live in
 * `folder-files.node.ts` and are imported from there (as `./folder-files.node.js`).
 */
export { parseModelConfig, loadModelConfig, ModelConfigError, SUPPORTED_FAMILIES } from './config';
export type { ModelConfig, ModelFamily, RopeScaling } from './config';
export { DecoderModel, type DecoderStages, type ForwardOptions } from './llama';
export { sequenceLogProbs } from './log-probs';
export { matMulFrozenT } from './frozen-matmul';
export { batchedMatMul, batchedMatMulTransposeB } from './batched-matmul';
export { DenseLinear, denseLinearFactory } from './dense-linear';
export { KVCache } from './kv-cache';
export { loadModel, type LoadOptions, type LoadProgress } from './load';
export { CheckpointError, expectedTensors, openCheckpoint } from './checkpoint';
export {
  countParameters,
  estimateKvCacheBytes,
  estimateModelBytes,
  estimateModelMemory,
  linearParameters,
  type ModelMemory,
} from './memory-estimate';
export { memoryFiles } from '../formats/memory-files';
export { linearPath, project, type LayerWeights, type ModelWeights } from './weights';
export * from './linear';
export * from '../spec/model-files';
export * from '../spec/modules';
