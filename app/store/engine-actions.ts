/**
 * Async actions that talk to the engine and mirror the outcome into the store. Components call these; they never
 * hold the client themselves.
 */
import type { BackendPreference } from '../../src/backend/select';
import { EngineError } from '../../src/spec/errors';
import { getEngine } from '../engine';
import { useStudio } from './index';

const POLL_MS = 5000;
let started = false;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Starts the worker, wires its events and state into the store, and initialises the preferred backend. */
export async function startEngine(): Promise<void> {
  if (started) return;
  started = true;
  const engine = getEngine();
  const store = useStudio.getState();
  engine.subscribe((event) => useStudio.getState().applyEngineEvent(event));
  engine.onStateChange((state, error) => {
    if (state === 'crashed') {
      // The dead worker's tensors are gone with it: no memory figure until the next one reports.
      useStudio.getState().patchEngine({
        status: 'crashed',
        backend: null,
        memory: null,
        error: error?.message ?? 'The engine stopped.',
      });
      useStudio
        .getState()
        .pushLog('error', error?.detail ? `${error.message} (${error.detail})` : (error?.message ?? 'engine stopped'));
    } else if (state === 'starting') {
      useStudio.getState().patchEngine({ status: 'starting' });
    }
  });
  setInterval(() => void refreshStatus(), POLL_MS);
  store.pushLog('info', 'starting the engine worker');
  await initBackend();
}

/** (Re)initialises the backend the user prefers. */
export async function initBackend(): Promise<void> {
  const { patchEngine, pushLog, settings } = useStudio.getState();
  patchEngine({ status: 'initializing', error: null });
  try {
    const report = await getEngine().request('init', { preference: settings.backend });
    patchEngine({
      status: 'ready',
      backend: report,
      error: null,
      check: { running: false, result: null, error: null },
    });
    for (const a of report.attempts) pushLog('warn', `${a.backend} failed: ${a.error}`);
    await refreshStatus();
  } catch (e) {
    patchEngine({ status: getEngine().state === 'crashed' ? 'crashed' : 'error', error: message(e) });
  }
}

/** Persists a backend override and switches the engine to it. */
export async function applyBackendPreference(preference: BackendPreference): Promise<void> {
  useStudio.getState().setBackendPreference(preference);
  await initBackend();
}

/** Polls memory and storage use for the status bar (silently skips while the engine is not ready). */
export async function refreshStatus(): Promise<void> {
  const engine = getEngine();
  if (engine.state !== 'ready') return;
  try {
    const [env, storage, summary] = await Promise.all([
      engine.request('env', {}),
      engine.request('storageEstimate', {}),
      engine.request('storageSummary', {}),
    ]);
    const storedBytes = Object.values(summary).reduce((sum, kind) => sum + kind.bytes, 0);
    useStudio.getState().patchEngine({ memory: env.memory, storage, storedBytes });
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
  }
}

/** Runs the tiny matmul check on the current backend and stores its result. */
export async function runBackendCheck(): Promise<void> {
  const { patchEngine } = useStudio.getState();
  patchEngine({ check: { running: true, result: null, error: null } });
  try {
    const result = await getEngine().request('matmulCheck', { m: 8, k: 64, n: 8 });
    useStudio.getState().patchEngine({ check: { running: false, result, error: null } });
  } catch (e) {
    useStudio.getState().patchEngine({ check: { running: false, result: null, error: message(e) } });
  }
}

/** Replaces a crashed (or stuck) worker with a fresh one and re-initialises the backend. */
export async function restartEngine(): Promise<void> {
  useStudio.getState().pushLog('info', 'restarting the engine worker');
  try {
    await getEngine().restart();
  } catch (e) {
    useStudio.getState().patchEngine({ status: 'crashed', error: message(e) });
    return;
  }
  await initBackend();
}
