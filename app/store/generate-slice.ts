/** Generate section state: prompt or chat, sampling controls, the adapter mix and the streamed outputs. */
import type { StateCreator } from 'zustand';
import type { PromptFormat } from '../../src/data/prompt-format';
import type { ActiveAdapter, GenerateOutcome, SamplingControls } from '../../src/protocol/generate-types';
import type { ChatMessage } from '../../src/tokenizer/types';
import type { StudioState } from './index';

/** One output column (base, with the adapter mix, or with the adapter a running training run trains). */
export interface OutputPane {
  text: string;
  running: boolean;
  result: GenerateOutcome | null;
  error: string | null;
}

export type PaneId = 'base' | 'adapters' | 'training';

/**
 * How the prompt is sent: continued as plain text, as a conversation in the chat template, or filled into a prompt
 * template (the format a prompt/completion adapter was trained in).
 */
export type PromptMode = 'text' | 'chat' | 'template';

export interface GenerateSlice {
  generate: {
    mode: PromptMode;
    /** Template mode: the prompt template (`{prompt}` marks where the prompt goes). */
    template: string;
    /** The adapter whose training format the mode was set from, and that format; null when the user chose. */
    formatFrom: { adapter: string; format: PromptFormat } | null;
    prompt: string;
    /** Chat mode: the conversation so far (the system prompt first, when set). */
    messages: ChatMessage[];
    system: string;
    sampling: SamplingControls;
    maxNewTokens: number;
    seed: number;
    /** Stop strings, one per line. */
    stop: string;
    /** Run base and adapters side by side with the same prompt and seed. */
    compare: boolean;
    mix: ActiveAdapter[];
    mixError: string | null;
    /** While a training run is going: generate with the adapter it trains (live) instead of the mix. */
    useTraining: boolean;
    panes: Record<PaneId, OutputPane>;
  };
  patchGenerate(patch: Partial<GenerateSlice['generate']>): void;
  patchPane(id: PaneId, patch: Partial<OutputPane>): void;
  setSampling(patch: Partial<SamplingControls>): void;
}

const EMPTY_PANE: OutputPane = { text: '', running: false, result: null, error: null };

export const DEFAULT_SAMPLING: SamplingControls = {
  temperature: 0.7,
  topK: 40,
  topP: 0.95,
  minP: 0,
  repetitionPenalty: 1.1,
};

export const createGenerateSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], GenerateSlice> = (
  set,
) => ({
  generate: {
    mode: 'text',
    template: '{prompt}',
    formatFrom: null,
    prompt: 'The whale',
    messages: [],
    system: '',
    sampling: DEFAULT_SAMPLING,
    maxNewTokens: 64,
    seed: 42,
    stop: '',
    compare: true,
    mix: [],
    mixError: null,
    useTraining: true,
    panes: { base: EMPTY_PANE, adapters: EMPTY_PANE, training: EMPTY_PANE },
  },
  patchGenerate: (patch) => set((s) => ({ generate: { ...s.generate, ...patch } })),
  patchPane: (id, patch) =>
    set((s) => ({
      generate: { ...s.generate, panes: { ...s.generate.panes, [id]: { ...s.generate.panes[id], ...patch } } },
    })),
  setSampling: (patch) => set((s) => ({ generate: { ...s.generate, sampling: { ...s.generate.sampling, ...patch } } })),
});
