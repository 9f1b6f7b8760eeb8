/** Selectors: the only way components read the store (keeps re-renders narrow and names the derived values). */
import type { StudioState } from './index';
import { formatBytes } from '../../src/backend/gpu-watch';

export const selectEngine = (s: StudioState) => s.engine;
export const selectEngineStatus = (s: StudioState) => s.engine.status;
export const selectBackend = (s: StudioState) => s.engine.backend;
export const selectBackendName = (s: StudioState) => s.engine.backend?.backend ?? null;
export const selectEngineError = (s: StudioState) => s.engine.error;
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
  if (b.backend === 'webgpu' && b.adapter) return `webgpu · ${[b.adapter.vendor, b.adapter.architecture].filter(Boolean).join(' ')}`;
  if (b.backend === 'wasm') return `wasm · ${b.wasm?.simd ? 'SIMD' : 'no SIMD'} · ${b.threads} thread${b.threads === 1 ? '' : 's'}`;
  return b.backend;
}

/** "12.3 MiB in 41 tensors" or null before the first poll. */
export function selectMemoryLabel(s: StudioState): string | null {
  const m = s.engine.memory;
  if (!m) return null;
  return `${formatBytes(m.numBytesInGPU ?? m.numBytes)} in ${m.numTensors} tensors`;
}

/** "1.2 GiB of 50 GiB" or null when the browser cannot tell. */
export function selectStorageLabel(s: StudioState): string | null {
  const st = s.engine.storage;
  if (!st || st.usageBytes === null || st.quotaBytes === null) return null;
  return `${formatBytes(st.usageBytes)} of ${formatBytes(st.quotaBytes)}`;
}
