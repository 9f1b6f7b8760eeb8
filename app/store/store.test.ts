// The store mirrors engine state; selectors derive the status-bar labels. (No DOM: zustand runs in Node.)
import { beforeEach, describe, expect, it } from 'vitest';
import type { BackendReport } from '../../src/backend/report';
import { persistOptions, useStudio } from './index';
import { selectBackendLabel, selectMemoryLabel, selectStorageLabel } from './selectors';

const wasmReport: BackendReport = {
  backend: 'wasm', preference: 'auto', reason: 'r', adapter: null, crossOriginIsolated: true,
  wasm: { simd: true, threads: 4 }, threads: 4, attempts: [],
};

beforeEach(() => useStudio.setState(useStudio.getInitialState(), true));

describe('studio store', () => {
  it('labels the backend, memory and storage for the status bar', () => {
    expect(selectBackendLabel(useStudio.getState())).toBe('starting…');
    useStudio.getState().patchEngine({
      status: 'ready', backend: wasmReport,
      memory: { numTensors: 3, numBytes: 3 * 1024 * 1024, numBytesInGPU: null },
      storage: { usageBytes: 1536, quotaBytes: 10 * 1024 ** 3, persisted: false },
    });
    const s = useStudio.getState();
    expect(selectBackendLabel(s)).toBe('wasm · SIMD · 4 threads');
    expect(selectMemoryLabel(s)).toBe('3.0 MiB in 3 tensors');
    expect(selectStorageLabel(s)).toBe('1.5 KiB of 10 GiB');
    useStudio.getState().patchEngine({ status: 'crashed', backend: null });
    expect(selectBackendLabel(useStudio.getState())).toBe('engine stopped');
  });

  it('folds engine events into the log and surfaces GPU faults', () => {
    const { applyEngineEvent } = useStudio.getState();
    applyEngineEvent({ kind: 'log', jobId: 1, level: 'info', message: 'hello' });
    applyEngineEvent({ kind: 'gpuError', jobId: null, fault: 'out-of-memory', error: { name: 'GpuError', message: 'The GPU ran out of memory.' } });
    const { engine } = useStudio.getState();
    expect(engine.log.map((l) => l.message)).toEqual(['hello', 'The GPU ran out of memory.']);
    expect(engine.error).toBe('The GPU ran out of memory.');
  });

  it('keeps settings (theme, backend override) in the persisted part only', () => {
    useStudio.getState().setTheme('dark');
    useStudio.getState().setBackendPreference('webgpu');
    expect(useStudio.getState().settings).toEqual({ theme: 'dark', backend: 'webgpu' });
    // Node has no localStorage, so zustand skips persistence here; the options are what the browser uses.
    const persisted = persistOptions.partialize?.(useStudio.getState());
    expect(persisted).toEqual({ settings: { theme: 'dark', backend: 'webgpu' } });
  });
});
