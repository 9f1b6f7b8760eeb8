/** Engine status as the UI mirrors it: worker life, backend report, memory, storage, checks, GPU faults, log. */
import type { StateCreator } from 'zustand';
import type { BackendReport } from '../../src/backend/select';
import type { EngineEvent, MatmulCheckResult, MemoryReport } from '../../src/protocol/messages';
import type { StorageEstimateResult } from '../../src/storage/estimate';
import type { StudioState } from './index';

export type EngineStatus = 'starting' | 'initializing' | 'ready' | 'crashed' | 'error';

/** One line of the engine log (events, errors). */
export interface LogLine {
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

export interface EngineSlice {
  engine: {
    status: EngineStatus;
    /** Set after `init`; null before or after a crash. */
    backend: BackendReport | null;
    /** User-facing error of the last failure (crash, init failure, GPU fault). */
    error: string | null;
    /** Last memory counters: from the `env` poll and from the `memory` event sent after each GPU job and step. */
    memory: MemoryReport | null;
    storage: StorageEstimateResult | null;
    /** Bytes of everything the studio stored (its own records' sizes): a floor for the browser's lagging usage. */
    storedBytes: number | null;
    check: { running: boolean; result: MatmulCheckResult | null; error: string | null };
    log: LogLine[];
  };
  patchEngine(patch: Partial<EngineSlice['engine']>): void;
  /** Folds an engine event into the state (log lines, GPU faults, memory counters). */
  applyEngineEvent(event: EngineEvent): void;
  pushLog(level: LogLine['level'], message: string): void;
}

const MAX_LOG = 200;

export const createEngineSlice: StateCreator<StudioState, [['zustand/persist', unknown]], [], EngineSlice> = (
  set,
  get,
) => ({
  engine: {
    status: 'starting',
    backend: null,
    error: null,
    memory: null,
    storage: null,
    storedBytes: null,
    check: { running: false, result: null, error: null },
    log: [],
  },
  patchEngine: (patch) => set((s) => ({ engine: { ...s.engine, ...patch } })),
  pushLog: (level, message) =>
    set((s) => ({
      engine: { ...s.engine, log: [...s.engine.log, { at: Date.now(), level, message }].slice(-MAX_LOG) },
    })),
  applyEngineEvent: (event) => {
    switch (event.kind) {
      case 'log':
        return get().pushLog(event.level, event.message);
      case 'gpuError':
        get().pushLog('error', event.error.message);
        return get().patchEngine({ error: event.error.message });
      case 'memory':
        return get().patchEngine({ memory: event.memory });
      case 'progress':
      // Tokens reach the Generate section through its request's onEvent (app/store/generate-actions.ts).
      case 'token':
      // Training events reach the Train section through its own request's onEvent (app/store/train-actions.ts).
      case 'trainStart':
      case 'trainStep':
      case 'trainSample':
      case 'trainEval':
      case 'checkpointSaved':
      case 'trainStatus':
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  },
});
