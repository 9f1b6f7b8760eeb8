/** Evaluate section state: dataset and variants to compare, Predict grid settings, and the last result. */
import type { StateCreator } from 'zustand';
import type { ActiveAdapter } from '../../src/protocol/generate-types';
import type { EvaluateResult } from '../../src/protocol/eval-types';
import type { StudioState } from './index';

/** A weighted mix being composed: its name and adapters. */
export interface MixDraft {
  name: string;
  adapters: ActiveAdapter[];
}

export interface EvaluateSlice {
  evaluate: {
    split: 'eval' | 'all';
    /** 0 = every example. */
    maxExamples: number;
    includeBase: boolean;
    /** Adapters compared on their own: id → weight. */
    adapters: Record<string, number>;
    mixes: MixDraft[];
    /** Multiplexed passes (all variants in one batch) or one variant at a time. */
    batched: boolean;
    /** Predict grid: prompts (0 = no grid), new tokens, temperature (0 = greedy), seed. */
    predictCount: number;
    maxNewTokens: number;
    temperature: number;
    seed: number;
    running: boolean;
    progress: string | null;
    error: string | null;
    result: EvaluateResult | null;
    /** Which variant the heat map colours by. */
    heatVariant: number;
  };
  patchEvaluate(patch: Partial<EvaluateSlice['evaluate']>): void;
}

export const createEvaluateSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], EvaluateSlice> = (
  set,
) => ({
  evaluate: {
    split: 'eval',
    maxExamples: 0,
    includeBase: true,
    adapters: {},
    mixes: [],
    batched: true,
    predictCount: 4,
    maxNewTokens: 32,
    temperature: 0,
    seed: 0,
    running: false,
    progress: null,
    error: null,
    result: null,
    heatVariant: 0,
  },
  patchEvaluate: (patch) => set((s) => ({ evaluate: { ...s.evaluate, ...patch } })),
});
