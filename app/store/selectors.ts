/** Selectors: the only way components read the store (keeps re-renders narrow and names the derived values). */
import type { StudioState } from './index';
import { formatBytes } from '../format';
import { isPromptFormat, type PromptFormat } from '../../src/data/prompt-format';
import type { PaneId } from './generate-slice';
import { isLive, type TrainRunView } from './train-slice';

export const selectEngineStatus = (s: StudioState) => s.engine.status;
export const selectBackend = (s: StudioState) => s.engine.backend;
export const selectEngineError = (s: StudioState) => s.engine.error;
export const selectMemory = (s: StudioState) => s.engine.memory;
export const selectCheck = (s: StudioState) => s.engine.check;
export const selectLog = (s: StudioState) => s.engine.log;
export const selectTheme = (s: StudioState) => s.settings.theme;
export const selectBackendPreference = (s: StudioState) => s.settings.backend;
export const selectSection = (s: StudioState) => s.ui.section;

/** "webgpu · NVIDIA ampere" / "wasm · 4 threads" / "starting…" for the status bar. */
export function selectBackendLabel(s: StudioState): string {
  const b = s.engine.backend;
  if (s.engine.status === 'crashed') return 'engine stopped';
  if (!b) return s.engine.status === 'error' ? 'no backend' : 'starting…';
  if (b.backend === 'webgpu' && b.adapter)
    return `webgpu · ${[b.adapter.vendor, b.adapter.architecture].filter(Boolean).join(' ')}`;
  if (b.backend === 'wasm')
    return `wasm · ${b.wasm?.simd ? 'SIMD' : 'no SIMD'} · ${b.threads} thread${b.threads === 1 ? '' : 's'}`;
  return b.backend;
}

/**
 * "12.3 MiB in 41 tensors" (wasm), "12.3 MiB in 41 tensors · GPU 9.8 MiB" (WebGPU), "no tensors" before a model
 * loads, or null before the first report. The first figure is every live tensor's bytes: on WebGPU tfjs uploads a
 * tensor on its first kernel, so GPU bytes alone read 0 B right after a load although the weights are held.
 */
export function selectMemoryLabel(s: StudioState): string | null {
  const m = s.engine.memory;
  if (!m) return null;
  if (m.numTensors === 0) return 'no tensors';
  const gpu = m.numBytesInGPU !== null && m.numBytesInGPU > 0 ? ` · GPU ${formatBytes(m.numBytesInGPU)}` : '';
  return `${formatBytes(m.numBytes)} in ${m.numTensors} tensor${m.numTensors === 1 ? '' : 's'}${gpu}`;
}

/** The status bar's memory tooltip: each counter and what it means. */
export function selectMemoryDetail(s: StudioState): string {
  const m = s.engine.memory;
  if (!m) return 'Tensor memory held by the engine (not reported yet)';
  const lines = [`Tensors: ${m.numTensors}, ${formatBytes(m.numBytes)} (all live tensors, wherever their data is)`];
  if (m.numBytesInGPU !== null) {
    lines.push(`GPU buffers in use: ${formatBytes(m.numBytesInGPU)} (tensors are uploaded on first use)`);
  }
  if (m.numBytesAllocatedInGPU !== null) {
    lines.push(`GPU buffers allocated: ${formatBytes(m.numBytesAllocatedInGPU)} (including the pool kept for reuse)`);
  }
  return lines.join('\n');
}

/**
 * "1.2 GiB of 50 GiB" or null when the browser cannot tell. The used figure is at least the bytes the studio knows
 * it stored: Chromium's `storage.estimate()` counts IndexedDB writes late (it read "0 B" with 8 MiB stored).
 */
export function selectStorageLabel(s: StudioState): string | null {
  const st = s.engine.storage;
  if (!st || st.usageBytes === null || st.quotaBytes === null) return null;
  return `${formatBytes(Math.max(st.usageBytes, s.engine.storedBytes ?? 0))} of ${formatBytes(st.quotaBytes)}`;
}

/**
 * The format sample prompts are rendered in: the live run's (from the engine), else the chosen dataset's record's;
 * null for datasets stored before the format was kept (the engine then works it out from the shape).
 */
export function selectSampleFormat(s: StudioState): PromptFormat | null {
  if (s.train.run?.promptFormat) return s.train.run.promptFormat;
  const record = s.data.datasets.find((d) => d.id === s.data.selectedDatasetId);
  return isPromptFormat(record?.promptFormat) ? record.promptFormat : null;
}

/** The training run in progress (its generations run between its steps), or null. */
export function selectLiveRun(s: StudioState): TrainRunView | null {
  return isLive(s.train.run) ? s.train.run : null;
}

/** Which output panes the Generate section shows: base and a tuned one side by side, or the one that applies. */
export type PaneSet = 'base' | 'adapters' | 'training' | 'base,adapters' | 'base,training';

const PANES: Record<PaneSet, PaneId[]> = {
  base: ['base'],
  adapters: ['adapters'],
  training: ['training'],
  'base,adapters': ['base', 'adapters'],
  'base,training': ['base', 'training'],
};

/**
 * The Generate section's panes (a string, so the store's equality check keeps renders narrow). The tuned pane is
 * the adapter of the training run going on when the user chose it, else the adapter mix. Side by side with nothing
 * to compare (no adapter in the mix, no run) is the base alone: two panes would generate the same text twice.
 */
export function selectPaneSet(s: StudioState): PaneSet {
  const g = s.generate;
  const training = g.useTraining && selectLiveRun(s) !== null;
  const tuned = training || g.mix.length > 0;
  if (g.compare && tuned) return training ? 'base,training' : 'base,adapters';
  if (training) return 'training';
  return g.mix.length > 0 ? 'adapters' : 'base';
}

/** The pane ids of a {@link PaneSet}, in display order. */
export function panesOf(set: PaneSet): PaneId[] {
  return PANES[set];
}
