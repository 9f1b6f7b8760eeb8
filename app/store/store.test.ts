// The store mirrors engine state; selectors derive the status-bar labels. (No DOM: zustand runs in Node.)
import { beforeEach, describe, expect, it } from 'vitest';
import type { BackendReport } from '../../src/backend/report';
import { persistOptions, useStudio } from './index';
import {
  panesOf,
  selectBackendLabel,
  selectLiveRun,
  selectMemoryDetail,
  selectMemoryLabel,
  selectPaneSet,
  selectStorageLabel,
} from './selectors';
import { startingRun } from './train-slice';

const wasmReport: BackendReport = {
  backend: 'wasm',
  preference: 'auto',
  reason: 'r',
  adapter: null,
  crossOriginIsolated: true,
  wasm: { simd: true, threads: 4, pool: 'ours' },
  threads: 4,
  attempts: [],
};

beforeEach(() => useStudio.setState(useStudio.getInitialState(), true));

describe('studio store', () => {
  it('labels the backend, memory and storage for the status bar', () => {
    expect(selectBackendLabel(useStudio.getState())).toBe('starting…');
    useStudio.getState().patchEngine({
      status: 'ready',
      backend: wasmReport,
      memory: { numTensors: 3, numBytes: 3 * 1024 * 1024, numBytesInGPU: null, numBytesAllocatedInGPU: null },
      storage: { usageBytes: 1536, quotaBytes: 10 * 1024 ** 3, persisted: false },
    });
    const s = useStudio.getState();
    expect(selectBackendLabel(s)).toBe('wasm · SIMD · 4 threads');
    expect(selectMemoryLabel(s)).toBe('3.0 MiB in 3 tensors');
    expect(selectStorageLabel(s)).toBe('1.5 KiB of 10 GiB');
    // The browser's usage lags IndexedDB writes ("0 B" with 8 MiB stored): what the studio stored is the floor.
    useStudio.getState().patchEngine({
      storage: { usageBytes: 0, quotaBytes: 10 * 1024 ** 3, persisted: false },
      storedBytes: 8 * 1024 ** 2,
    });
    expect(selectStorageLabel(useStudio.getState())).toBe('8.0 MiB of 10 GiB');
    useStudio.getState().patchEngine({ status: 'crashed', backend: null });
    expect(selectBackendLabel(useStudio.getState())).toBe('engine stopped');
  });

  it('memory: tensor bytes always, GPU buffers on WebGPU when there are any, never "0 B" with tensors held', () => {
    const { applyEngineEvent } = useStudio.getState();
    expect(selectMemoryLabel(useStudio.getState())).toBeNull();
    applyEngineEvent({
      kind: 'memory',
      jobId: null,
      memory: { numTensors: 0, numBytes: 0, numBytesInGPU: 0, numBytesAllocatedInGPU: 0 },
    });
    expect(selectMemoryLabel(useStudio.getState())).toBe('no tensors');
    // WebGPU right after a load: tfjs has not uploaded the weights yet (GPU 0), but the engine holds them.
    const staged = { numTensors: 66, numBytes: 7.3 * 1024 * 1024, numBytesInGPU: 0, numBytesAllocatedInGPU: 0 };
    applyEngineEvent({ kind: 'memory', jobId: null, memory: staged });
    expect(selectMemoryLabel(useStudio.getState())).toBe('7.3 MiB in 66 tensors');
    // After the first step: the weights and activations live in GPU buffers; the pool keeps some for reuse.
    const running = {
      numTensors: 80,
      numBytes: 9 * 1024 * 1024,
      numBytesInGPU: 8.5 * 1024 * 1024,
      numBytesAllocatedInGPU: 12 * 1024 * 1024,
    };
    applyEngineEvent({ kind: 'memory', jobId: 4, memory: running });
    const s = useStudio.getState();
    expect(s.engine.memory).toEqual(running);
    expect(selectMemoryLabel(s)).toBe('9.0 MiB in 80 tensors · GPU 8.5 MiB');
    expect(selectMemoryDetail(s).split('\n')).toEqual([
      'Tensors: 80, 9.0 MiB (all live tensors, wherever their data is)',
      'GPU buffers in use: 8.5 MiB (tensors are uploaded on first use)',
      'GPU buffers allocated: 12 MiB (including the pool kept for reuse)',
    ]);
    applyEngineEvent({
      kind: 'memory',
      jobId: null,
      memory: { numTensors: 1, numBytes: 4, numBytesInGPU: null, numBytesAllocatedInGPU: null },
    });
    expect(selectMemoryLabel(useStudio.getState())).toBe('4 B in 1 tensor');
    expect(selectMemoryDetail(useStudio.getState())).toBe('Tensors: 1, 4 B (all live tensors, wherever their data is)');
  });

  it('Generate panes: the adapter being trained replaces the mix while a run is going, if the user wants it', () => {
    const { patchGenerate, patchTrain } = useStudio.getState();
    // Side by side with no adapter selected and no run: one pane (the base), not the same text generated twice.
    expect(useStudio.getState().generate.compare).toBe(true);
    expect(selectPaneSet(useStudio.getState())).toBe('base');
    patchGenerate({ compare: false });
    expect(selectPaneSet(useStudio.getState())).toBe('base');
    patchGenerate({ mix: [{ id: 'a', weight: 1 }] });
    expect(selectPaneSet(useStudio.getState())).toBe('adapters');
    patchTrain({ run: { ...startingRun('r'), status: 'running', step: 3, totalSteps: 10 } });
    expect(selectLiveRun(useStudio.getState())?.name).toBe('r');
    expect(selectPaneSet(useStudio.getState())).toBe('training');
    patchGenerate({ compare: true });
    expect(panesOf(selectPaneSet(useStudio.getState()))).toEqual(['base', 'training']);
    patchGenerate({ useTraining: false });
    expect(selectPaneSet(useStudio.getState())).toBe('base,adapters');
    patchGenerate({ useTraining: true });
    patchTrain({ run: { ...startingRun('r'), status: 'finished', step: 10, totalSteps: 10 } });
    expect(selectLiveRun(useStudio.getState())).toBeNull();
    expect(selectPaneSet(useStudio.getState())).toBe('base,adapters');
  });

  it('folds engine events into the log and surfaces GPU faults', () => {
    const { applyEngineEvent } = useStudio.getState();
    applyEngineEvent({ kind: 'log', jobId: 1, level: 'info', message: 'hello' });
    applyEngineEvent({
      kind: 'gpuError',
      jobId: null,
      fault: 'out-of-memory',
      error: { name: 'GpuError', message: 'The GPU ran out of memory.' },
    });
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
