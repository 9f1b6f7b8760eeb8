/** User settings persisted in localStorage: theme and backend override. */
import type { StateCreator } from 'zustand';
import type { BackendPreference } from '../../src/backend/select';
import type { StudioState } from './index';

export type ThemePreference = 'system' | 'light' | 'dark';

export interface SettingsSlice {
  settings: { theme: ThemePreference; backend: BackendPreference };
  setTheme(theme: ThemePreference): void;
  /** Stores the override only; `applyBackendPreference` (engine-actions) re-initialises the engine. */
  setBackendPreference(backend: BackendPreference): void;
}

export const createSettingsSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], SettingsSlice> = (
  set,
) => ({
  settings: { theme: 'system', backend: 'auto' },
  setTheme: (theme) => set((s) => ({ settings: { ...s.settings, theme } })),
  setBackendPreference: (backend) => set((s) => ({ settings: { ...s.settings, backend } })),
});
