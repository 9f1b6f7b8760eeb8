/**
 * The training run in progress, per engine. `train` registers its controller here and `trainControl` (a separate,
 * non-GPU request that answers while the run holds the GPU queue) finds it by run id.
 */
import type { LoraAdapter } from '../../lora/lora-adapter';
import type { TrainAction } from '../../protocol/train-types';
import type { EngineState } from '../job';

/** What `trainControl` (and a generation with the live adapter) can do with a running run. */
export interface RunController {
  readonly runId: string;
  /** The adapter being trained; read it only at a step boundary (a `betweenSteps` job) or while paused. */
  readonly adapter: LoraAdapter;
  control(action: TrainAction): void;
}

const active = new WeakMap<EngineState, RunController>();

/** The run going on in `state`, or null. */
export function activeRun(state: EngineState): RunController | null {
  return active.get(state) ?? null;
}

/** Registers `run` as the one going on; returns the function that unregisters it. */
export function registerRun(state: EngineState, run: RunController): () => void {
  active.set(state, run);
  return () => {
    if (active.get(state) === run) active.delete(state);
  };
}
