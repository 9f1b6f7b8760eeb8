/**
 * The studio's one zustand store, built from slices: engine, settings, ui, model, data, generate, adapters, train.
 * This store persists only `settings` (localStorage); the Train form is saved on its own (./train-form-storage.ts).
 * Components read through selectors (./selectors.ts) or narrow `useStudio` picks, and change things through slice
 * setters or the async actions (./engine-actions.ts, ./model-actions.ts, ./data-actions.ts, ./train-actions.ts,
 * ./generate-actions.ts, ./adapters-actions.ts); no engine logic in components.
 */
import { create } from 'zustand';
import { persist, type PersistOptions } from 'zustand/middleware';
import { createAdaptersSlice, type AdaptersSlice } from './adapters-slice';
import { createDataSlice, type DataSlice } from './data-slice';
import { createEngineSlice, type EngineSlice } from './engine-slice';
import { createEvaluateSlice, type EvaluateSlice } from './evaluate-slice';
import { createGenerateSlice, type GenerateSlice } from './generate-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createSettingsSlice, type SettingsSlice } from './settings-slice';
import { createTrainSlice, type TrainSlice } from './train-slice';
import { createUiSlice, type UiSlice } from './ui-slice';

export type StudioState = EngineSlice &
  SettingsSlice &
  UiSlice &
  ModelSlice &
  DataSlice &
  GenerateSlice &
  AdaptersSlice &
  TrainSlice &
  EvaluateSlice;

/** localStorage key of the persisted settings. */
export const SETTINGS_KEY = 'lora-studio-settings';

/** What survives a reload: the user's settings only (engine state is rebuilt from the worker). */
export const persistOptions: PersistOptions<StudioState, Pick<StudioState, 'settings'>> = {
  name: SETTINGS_KEY,
  version: 1,
  partialize: (s) => ({ settings: s.settings }),
};

export const useStudio = create<StudioState>()(
  persist(
    (...a) => ({
      ...createEngineSlice(...a),
      ...createSettingsSlice(...a),
      ...createUiSlice(...a),
      ...createModelSlice(...a),
      ...createDataSlice(...a),
      ...createGenerateSlice(...a),
      ...createAdaptersSlice(...a),
      ...createTrainSlice(...a),
      ...createEvaluateSlice(...a),
    }),
    persistOptions,
  ),
);
