/** Model section state: where the base comes from, the quantization choice, the load job and the loaded model. */
import type { StateCreator } from 'zustand';
import type { QuantMode } from '../../src/spec/modules';
import type { ModelInfo, ModelInspection, ModelSource, NamedBlob } from '../../src/protocol/model-types';
import type { StudioState } from './index';
import type { JobProgress } from './job-progress';

/** A model shipped under public/models (from public/models/index.json). */
export interface BuiltinModel {
  id: string;
  name: string;
  /** Folder relative to the site root, ending in `/`. */
  path: string;
  files: string[];
  description: string;
  parameters: number | null;
  bytes: number | null;
}

export type ModelSourceKind = 'builtin' | 'hub' | 'files';

export interface ModelSlice {
  model: {
    builtins: BuiltinModel[];
    sourceKind: ModelSourceKind;
    builtinId: string | null;
    /** `endpoint`: empty for huggingface.co, else a mirror (like HF_ENDPOINT). */
    hub: { repo: string; revision: string; token: string; endpoint: string };
    dropped: { name: string; files: NamedBlob[] } | null;
    quant: QuantMode;
    /** True once the user picked a mode (the suggestion no longer overrides it). */
    quantChosen: boolean;
    inspection: ModelInspection | null;
    inspecting: boolean;
    inspectError: string | null;
    /** The running load, or null. */
    loading: JobProgress | null;
    loadError: string | null;
    info: ModelInfo | null;
    /** Where the loaded model came from (the data worker loads its tokenizer from the same place). */
    loadedSource: ModelSource | null;
  };
  patchModel(patch: Partial<ModelSlice['model']>): void;
}

export const createModelSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], ModelSlice> = (set) => ({
  model: {
    builtins: [],
    sourceKind: 'builtin',
    builtinId: null,
    hub: { repo: '', revision: 'main', token: '', endpoint: '' },
    dropped: null,
    quant: 'int8',
    quantChosen: false,
    inspection: null,
    inspecting: false,
    inspectError: null,
    loading: null,
    loadError: null,
    info: null,
    loadedSource: null,
  },
  patchModel: (patch) => set((s) => ({ model: { ...s.model, ...patch } })),
});
