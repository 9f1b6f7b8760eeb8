import { describe, expect, it } from 'vitest';
import { remainingMs, type EtaInput } from './eta';

const base: EtaInput = {
  step: 10,
  totalSteps: 20,
  stepMs: 1000,
  evals: 0,
  evalMs: 0,
  evalEvery: 0,
  hasEval: false,
  checkpoints: 0,
  checkpointMs: 0,
  checkpointEvery: 0,
};

describe('remainingMs', () => {
  it('is the mean step time × steps left without evals or saves measured', () => {
    expect(remainingMs(base)).toBe(1000);
    expect(remainingMs({ ...base, step: 0 })).toBe(0);
    expect(remainingMs({ ...base, step: 20 })).toBe(0);
  });

  it('adds the evaluations still due (every 5 steps: 15 and 20) at their mean time', () => {
    // 2 evals so far (steps 5, 10) took 4 s in all: 2 s each; 2 left.
    expect(remainingMs({ ...base, hasEval: true, evals: 2, evalMs: 4000, evalEvery: 5 })).toBe(1000 + 4000);
    // evalEvery 0: only the last step evaluates.
    expect(remainingMs({ ...base, hasEval: true, evals: 1, evalMs: 3000, evalEvery: 0 })).toBe(1000 + 3000);
    // Every 6: step 12 and 18, plus the last step (20): 3 left.
    expect(remainingMs({ ...base, hasEval: true, evals: 1, evalMs: 1000, evalEvery: 6 })).toBe(1000 + 3000);
  });

  it('adds the checkpoint saves still due and the final save', () => {
    // Every 4: steps 12, 16, 20 (the last one is the final save too): 3 at 500 ms.
    expect(remainingMs({ ...base, checkpoints: 2, checkpointMs: 1000, checkpointEvery: 4 })).toBe(1000 + 1500);
    // No periodic checkpoints: the final save only.
    expect(remainingMs({ ...base, checkpoints: 1, checkpointMs: 800, checkpointEvery: 0 })).toBe(1000 + 800);
  });
});
