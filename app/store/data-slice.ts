/** Data section state: the dropped files, their sample and mapping, preparation options, the result and library. */
import type { StateCreator } from 'zustand';
import type { ColumnMapping, ProblemPolicy } from '../../src/data/types';
import type { DataFileSample, PrepareDataResult, PreviewResult } from '../../src/protocol/data-types';
import type { NamedBlob } from '../../src/protocol/model-types';
import type { DatasetRecord } from '../../src/spec/records';
import type { StudioState } from './index';
import type { JobProgress } from './job-progress';

/** A sample dataset shipped in public/datasets (index.json). */
export interface SampleDataset {
  id: string;
  name: string;
  file: string;
  format: string;
  description: string;
  expectedEffect: string;
  records: number;
  bytes: number;
}

/** Options of the preparation the user can change. */
export interface DataOptions {
  policy: ProblemPolicy;
  maxSeqLen: number;
  evalSplit: number;
  completionOnly: boolean;
  /** Prompt template for prompt/completion data; empty = the model's chat template or the default template. */
  template: string;
}

export interface DataSlice {
  data: {
    samples: SampleDataset[];
    files: NamedBlob[];
    /** Dataset name (defaults to the first file's name). */
    name: string;
    sample: DataFileSample[] | null;
    sampling: boolean;
    sampleError: string | null;
    /** User override of the detected mapping, or null. */
    mapping: ColumnMapping | null;
    options: DataOptions;
    previews: PreviewResult[];
    preparing: JobProgress | null;
    result: PrepareDataResult | null;
    /** Every record validated (no tokenizer) as soon as the files were dropped: problems before "Prepare". */
    check: PrepareDataResult | null;
    /** How the last preparation ran: data workers it tokenized on, and its wall time. */
    preparedWith: { workers: number; ms: number } | null;
    prepareError: string | null;
    datasets: DatasetRecord[];
    /** The dataset the Train section trains on. */
    selectedDatasetId: string | null;
  };
  patchData(patch: Partial<DataSlice['data']>): void;
  setDataOptions(patch: Partial<DataOptions>): void;
}

export const DEFAULT_DATA_OPTIONS: DataOptions = {
  policy: 'fail',
  maxSeqLen: 256,
  evalSplit: 0.1,
  completionOnly: true,
  template: '',
};

export const createDataSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], DataSlice> = (set) => ({
  data: {
    samples: [],
    files: [],
    name: '',
    sample: null,
    sampling: false,
    sampleError: null,
    mapping: null,
    options: DEFAULT_DATA_OPTIONS,
    previews: [],
    preparing: null,
    result: null,
    check: null,
    preparedWith: null,
    prepareError: null,
    datasets: [],
    selectedDatasetId: null,
  },
  patchData: (patch) => set((s) => ({ data: { ...s.data, ...patch } })),
  setDataOptions: (patch) => set((s) => ({ data: { ...s.data, options: { ...s.data.options, ...patch } } })),
});
