/**
 * Time left in a run, counting what a run does besides steps: evaluations (every `evalEvery` steps and at the last
 * step) and checkpoint saves (every `checkpointEvery` steps, plus the final save). An ETA from step times alone said
 * "1.5 s left" for a run that needed 8 s more (issue 15).
 */

/** What the trainer has measured so far and how the rest of the run is laid out. */
export interface EtaInput {
  step: number;
  totalSteps: number;
  /** Time spent in optimizer steps so far. */
  stepMs: number;
  /** Evaluations so far and their total time; `evalEvery` 0 = only at the last step; `hasEval` false = none. */
  evals: number;
  evalMs: number;
  evalEvery: number;
  hasEval: boolean;
  /** Checkpoint saves so far and their total time; `checkpointEvery` 0 = only the final save. */
  checkpoints: number;
  checkpointMs: number;
  checkpointEvery: number;
}

/** Multiples of `every` in (from, to]. */
function multiples(every: number, from: number, to: number): number {
  return every > 0 ? Math.floor(to / every) - Math.floor(from / every) : 0;
}

/** Milliseconds left: remaining steps at the mean step time, plus remaining evaluations and saves at their means. */
export function remainingMs(e: EtaInput): number {
  if (e.step <= 0) return 0;
  const left = Math.max(0, e.totalSteps - e.step);
  let ms = (e.stepMs / e.step) * left;
  if (e.hasEval && e.evals > 0) {
    // The last step always evaluates; count it once even when it is also a multiple of evalEvery.
    const evalsLeft =
      multiples(e.evalEvery, e.step, e.totalSteps) +
      (left > 0 && (e.evalEvery === 0 || e.totalSteps % e.evalEvery !== 0) ? 1 : 0);
    ms += (e.evalMs / e.evals) * evalsLeft;
  }
  if (e.checkpoints > 0 && left > 0) {
    // The final save writes a checkpoint unless the last step already made one.
    const savesLeft =
      multiples(e.checkpointEvery, e.step, e.totalSteps) +
      (e.checkpointEvery === 0 || e.totalSteps % e.checkpointEvery !== 0 ? 1 : 0);
    ms += (e.checkpointMs / e.checkpoints) * savesLeft;
  }
  return ms;
}
