/** Public surface of LoRA: adapters, multi-adapter stacks, merges (browser-safe; Node loaders live in *.node.ts). */
export {
  DEFAULT_LORA_CONFIG,
  isTargeted,
  loraScale,
  moduleSettings,
  specsOf,
  targetNames,
  validateLoraConfig,
  type LinearSpec,
  type LoraConfig,
  type LoraInit,
  type ModuleSettings,
} from './config';
export { LoraAdapter, trainableShare, type LoraModule, type LoraModuleWeights } from './lora-adapter';
export { AdapterStack, type StackEntry } from './adapter-stack';
export { configForRanks, mergeConcat, mergeSvd, type MergeInput } from './merge';
export { lowRankSvd, svd, type Mat, type Svd } from './svd';
