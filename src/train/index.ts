/**
 * Public surface of training: the `Trainer` (LoRA or full-parameter through a `TrainObjective`), its config,
 * metrics, checkpoints and the pieces it is built from (loss, AdamW, schedules, batching).
 */
export { Trainer, seedStreams, type TrainerEvent, type TrainerOptions, type TrainerStatus, type TrainResult } from './trainer';
export { DEFAULT_TRAIN_CONFIG, totalSteps, validateTrainConfig, type TrainConfig } from './train-config';
export type { StepMetrics } from './metrics';
export { fullObjective, loraObjective, type TrainObjective } from './objective';
export {
  CHECKPOINT_VERSION,
  decodeCheckpoint,
  encodeCheckpoint,
  MemoryCheckpointStore,
  type Checkpoint,
  type CheckpointStore,
  type CheckpointTensor,
} from './checkpoint';
export { causalLmLossSum, type CausalLm } from './loss';
export { labelCount, makeBatch, type BatchOptions, type LmBatch } from './batch';
export { computeStepGradients, evaluate, type StepGradients } from './grad-step';
export { AdamW, DEFAULT_ADAMW, type AdamWConfig, type AdamWState } from './adamw';
export { learningRate, type ScheduleConfig, type ScheduleKind } from './schedule';
export { clipByGlobalNorm, globalNorm } from './clip';
export { DataCursor, type DataPosition } from './data-cursor';
export { estimateTrainingMemory, type TrainingMemory, type TrainingMemoryInput } from './memory-estimate';
export { createLoraRun, type LoraRun, type LoraRunOptions } from './lora-run';
export { checkpointedGradients, type LayerwiseLm } from './checkpointed-grads';
export { tokenNllSum } from './loss';
export type { LoraObjectiveOptions } from './objective';
