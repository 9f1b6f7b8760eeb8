/** Adapters section state: the library, the merge form, and the state of each long action. */
import type { StateCreator } from 'zustand';
import type { AdapterRecord } from '../../src/spec/records';
import type { StudioState } from './index';

export interface MergeForm {
  method: 'cat' | 'svd';
  rank: number;
  name: string;
  /** Weight per selected adapter id. */
  weights: Record<string, number>;
}

export interface AdaptersSlice {
  adapters: {
    list: AdapterRecord[];
    loaded: boolean;
    /** Ids ticked for merging. */
    selected: string[];
    merge: MergeForm;
    /** What is running ("Merging…", "Importing…"), or null. */
    busy: string | null;
    error: string | null;
    notice: string | null;
  };
  patchAdapters(patch: Partial<AdaptersSlice['adapters']>): void;
}

export const createAdaptersSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], AdaptersSlice> = (
  set,
) => ({
  adapters: {
    list: [],
    loaded: false,
    selected: [],
    merge: { method: 'cat', rank: 8, name: 'merged adapter', weights: {} },
    busy: null,
    error: null,
    notice: null,
  },
  patchAdapters: (patch) => set((s) => ({ adapters: { ...s.adapters, ...patch } })),
});
