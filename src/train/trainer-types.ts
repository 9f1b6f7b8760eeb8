/** Types of the `Trainer`: options, events, status and result; plus the seed streams a run derives from its seed. */
import type { TokenizedExample } from '../data/types';
import { Rng } from '../util/rng';
import type { CheckpointStore } from './checkpoint';
import type { StepMetrics } from './metrics';
import type { TrainObjective } from './objective';
import type { TrainConfig } from '../spec/train-config';

export type TrainerStatus = 'idle' | 'running' | 'paused' | 'stopped' | 'finished' | 'diverged' | 'failed';

export type TrainerEvent =
  | { type: 'step'; metrics: StepMetrics }
  | { type: 'checkpoint'; step: number }
  /** Evaluating the eval split after `step`: `done` of `total` batches (0 of N when it starts). */
  | { type: 'evaluating'; step: number; done: number; total: number }
  | { type: 'rollback'; fromStep: number; toStep: number; message: string }
  | { type: 'status'; status: TrainerStatus; message?: string };

export interface TrainerOptions {
  objective: TrainObjective;
  train: readonly TokenizedExample[];
  eval?: readonly TokenizedExample[];
  config: TrainConfig;
  runId: string;
  /** Where checkpoints go (default: in memory). */
  store?: CheckpointStore;
  /** Extra configuration saved in checkpoints (e.g. the LoRA config). */
  runConfig?: unknown;
  /** Clock (tests inject one). */
  now?: () => number;
  /**
   * Wraps each optimizer step (the engine passes its WebGPU error scope): a GPU fault inside a step throws there,
   * so the run fails at the first bad step with its last checkpoint intact, instead of training on stale data.
   */
  stepScope?: <T>(step: () => Promise<T>) => Promise<T>;
}

export interface TrainResult {
  /** 'failed': the backend threw (lost GPU device, allocation failure); the last checkpoint is intact. */
  status: 'finished' | 'stopped' | 'diverged' | 'failed';
  step: number;
  totalSteps: number;
  metrics: StepMetrics[];
  /** Rows cut to `maxSeqLen` during this session. */
  truncated: number;
  message?: string;
}

/** Derived seeds: the dropout stream and the data order must not share a stream with the adapter init. */
export function seedStreams(seed: number): { init: Rng; data: number; dropout: Rng } {
  return { init: new Rng(seed), data: seed + 1, dropout: new Rng(seed + 2) };
}
