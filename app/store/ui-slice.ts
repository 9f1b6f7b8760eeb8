/** Navigation state: which studio section is open. */
import type { StateCreator } from 'zustand';
import type { StudioState } from './index';

/** The studio's sections, in navigation order. */
export const SECTIONS = ['model', 'data', 'train', 'generate', 'evaluate', 'adapters'] as const;
export type SectionId = (typeof SECTIONS)[number];

export function isSectionId(x: string): x is SectionId {
  return SECTIONS.some((s) => s === x);
}

export interface UiSlice {
  ui: { section: SectionId };
  setSection(section: SectionId): void;
}

export const createUiSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], UiSlice> = (set) => ({
  ui: { section: 'model' },
  setSection: (section) => set((s) => ({ ui: { ...s.ui, section } })),
});
