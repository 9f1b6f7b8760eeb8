/** Text generation: sampling, streaming detokenization, and the KV-cache decode loop. */
export { generate, promptIds } from './generate';
export { OutputTracker, splitStops } from './output-tracker';
export { generationDefaults, type GenerationDefaults } from './generation-config';
export { sampleToken, validateSamplingParams, type SamplingParams } from './sampler';
export { TextStream, type StreamStep } from './text-stream';
export { greedy } from './greedy';
export { applyTemperature } from './temperature';
export { topKFilter, topKCandidates, kthLargest } from './top-k';
export { topPFilter } from './top-p';
export { minPFilter } from './min-p';
export { applyRepetitionPenalty } from './repetition-penalty';
export { sampleCategorical } from './categorical';
export { argmax, softmax } from './softmax';
export type * from './types';
